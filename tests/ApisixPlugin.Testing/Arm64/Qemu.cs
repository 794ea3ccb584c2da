namespace ApisixPlugin.Testing.Arm64;

/// <summary>qemu-aarch64-static (Debian's qemu-user-static, from tests/infra/install-deps.sh): runs an arm64 Linux executable here.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public static class Qemu
{
    public const string Aarch64 = "qemu-aarch64-static";

    /// <summary>
    /// A shell script that runs <paramref name="arm64File"/> under qemu with its arguments, for a
    /// caller that can only exec a file (the go-plugin client). Delete it after use.
    /// </summary>
    public static string Wrapper(string arm64File)
    {
        var script = Path.Combine(Path.GetTempPath(), $"arm64-{Guid.NewGuid():N}.sh");
        File.WriteAllText(script, $"#!/bin/sh\nexec {Aarch64} '{arm64File.Replace("'", "'\\''", StringComparison.Ordinal)}' \"$@\"\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return script;
    }
}
