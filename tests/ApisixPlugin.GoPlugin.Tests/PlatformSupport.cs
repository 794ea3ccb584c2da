// Like the bridge, these tests run on Linux only (Unix sockets, file modes, signals).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
