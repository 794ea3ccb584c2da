using ApisixPlugin.Bridge.Install;

namespace ApisixPlugin.Bridge.Tests.Install;

public sealed class SelfInstallerTests
{
    [Fact]
    public void Copies_the_running_executable_with_mode_0755()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"install-{Guid.NewGuid():N}", "plugin-bin");
        var destination = Path.Combine(directory, "apisix");
        var messages = new StringWriter();
        Assert.Equal(0, SelfInstaller.Run(destination, messages));
        Assert.Equal(File.ReadAllBytes(Environment.ProcessPath!), File.ReadAllBytes(destination));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead |
            UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute, File.GetUnixFileMode(destination));
        Assert.Single(Directory.GetFiles(directory)); // no temporary left behind
        Assert.Contains("installed", messages.ToString(), StringComparison.Ordinal);
        Directory.Delete(Path.GetDirectoryName(directory)!, recursive: true);
    }
}
