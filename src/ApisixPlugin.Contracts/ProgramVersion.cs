using System.Reflection;

namespace ApisixPlugin.Contracts;

/// <summary>
/// The release version both programs report: &lt;VersionPrefix&gt; of Directory.Build.props, which
/// every assembly of the solution is built with (and which the image's labels and tag follow).
/// </summary>
public static class ProgramVersion
{
    public static string Text { get; } =
        typeof(ProgramVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? throw new InvalidOperationException("ApisixPlugin.Contracts was built without an informational version");
}
