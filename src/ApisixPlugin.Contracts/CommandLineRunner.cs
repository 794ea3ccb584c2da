using System.CommandLine;
using System.CommandLine.Invocation;

namespace ApisixPlugin.Contracts;

/// <summary>
/// How the bridge and the sidecar run their System.CommandLine commands, so that both answer a bad
/// command line alike: what is wrong and the usage on stderr, nothing on stdout, exit code 2.
/// </summary>
public static class CommandLineRunner
{
    /// <summary>A bad command line; 1 stays what each program says it means (a failed call, not a plugin).</summary>
    public const int UsageExitCode = 2;

    /// <summary>
    /// No response files: an argument that starts with '@' is a value. Arguments come from a pod
    /// spec or the controller's ConfigMap, never as a file for the parser to open.
    /// </summary>
    public static ParserConfiguration Parser { get; } = new() { ResponseFileTokenReplacer = null };

    /// <summary>
    /// Runs the action the command line chose: a verb, help (to <paramref name="output"/>), or the
    /// usage of a bad command line (to <paramref name="error"/>, and exit code 2).
    /// </summary>
    public static async Task<int> InvokeAsync(ParseResult parsed, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        var bad = parsed.Action is ParseErrorAction;
        var exitCode = await parsed.InvokeAsync(new InvocationConfiguration
        {
            // The parse-error action prints its typo hints and the usage to Output: on a bad
            // command line they belong with the error, and stdout stays for what a verb prints.
            Output = bad ? error : output,
            Error = error,
            // Signals stay the programs' own: the bridge ignores SIGINT and ends itself on SIGTERM,
            // the ASP.NET Core host stops gracefully on both. With a timeout set, System.CommandLine
            // would take them over and end the process after it.
            ProcessTerminationTimeout = null,
            // An exception crashes the process with the runtime's report, as without a parser.
            EnableDefaultExceptionHandler = false,
        }).ConfigureAwait(false);
        return bad ? UsageExitCode : exitCode;
    }

    /// <summary>
    /// The last of a repeated option wins, as ASP.NET Core's command-line configuration had it: an
    /// override appended to a pod's or a ConfigMap's args takes effect instead of failing the start.
    /// (For an option of one value, System.CommandLine then keeps the last one.)
    /// </summary>
    public static Option<T> LastWins<T>(this Option<T> option)
    {
        ArgumentNullException.ThrowIfNull(option);
        option.AllowMultipleArgumentsPerToken = true;
        return option;
    }
}
