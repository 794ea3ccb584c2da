// The bridge runs only inside Linux containers (the controller's distroless/static image).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
