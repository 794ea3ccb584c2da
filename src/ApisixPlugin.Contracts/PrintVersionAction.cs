using System.CommandLine;
using System.CommandLine.Invocation;

namespace ApisixPlugin.Contracts;

/// <summary>
/// What <c>--version</c> does in both programs: prints <see cref="ProgramVersion.Text"/> alone on
/// its line, to the output the runner chose, and exits 0; nothing is read or checked first, so it
/// works anywhere (no socket folder, no cluster, no plugin cookie).
/// </summary>
public sealed class PrintVersionAction : SynchronousCommandLineAction
{
    public override int Invoke(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        parseResult.InvocationConfiguration.Output.WriteLine(ProgramVersion.Text);
        return 0;
    }
}
