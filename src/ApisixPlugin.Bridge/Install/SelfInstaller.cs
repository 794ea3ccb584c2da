namespace ApisixPlugin.Bridge.Install;

/// <summary>
/// <c>apisix-plugin-bridge install DEST</c>: copies this executable to DEST (mode 0755, atomic
/// rename). The image has no shell, so an init container runs this to fill the controller's
/// plugin volume. <see cref="BridgeCommandLine"/> has checked that DEST was given.
/// </summary>
internal static class SelfInstaller
{
    private const UnixFileMode Executable =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    public static int Run(string destinationFile, TextWriter stderr)
    {
        var source = Environment.ProcessPath;
        if (source is null)
        {
            stderr.Write("install: cannot tell where this executable is\n");
            return 1;
        }
        var destination = Path.GetFullPath(destinationFile);
        var directory = Path.GetDirectoryName(destination) ?? "/";
        var temporary = Path.Combine(directory, $".{Path.GetFileName(destination)}.{Environment.ProcessId}.tmp");
        try
        {
            Directory.CreateDirectory(directory);
            File.Copy(source, temporary, overwrite: true);
            File.SetUnixFileMode(temporary, Executable);
            // rename(2) in one directory: the controller never sees a half-written file.
            File.Move(temporary, destination, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            stderr.Write($"install: copying {source} to {destination} failed: {e.Message}\n");
            return 1;
        }
        stderr.Write($"installed {source} as {destination}\n");
        return 0;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Nothing more to clean up.
        }
    }
}
