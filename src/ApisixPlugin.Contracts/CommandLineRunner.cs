using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;

namespace ApisixPlugin.Contracts;

/// <summary>
/// How the bridge and the sidecar run their System.CommandLine commands, so that both answer a bad
/// command line alike: what is wrong, one line each, with the close match of a mistyped name
/// ("did you mean --metrics-port?"), then the usage, on stderr; nothing on stdout; exit code 2.
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
    /// Runs the action the command line chose: a verb, help or the version (to
    /// <paramref name="output"/>), or the errors and usage of a bad command line (to
    /// <paramref name="error"/>, each error as "<paramref name="program"/>: ...", and exit code 2).
    /// </summary>
    public static async Task<int> InvokeAsync(string program, ParseResult parsed, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        ArgumentNullException.ThrowIfNull(error);
        var bad = parsed.Action is ParseErrorAction;
        if (parsed.Action is ParseErrorAction errorAction)
        {
            foreach (var line in ErrorLines(program, parsed))
            {
                await error.WriteLineAsync(line).ConfigureAwait(false);
            }

            await error.WriteLineAsync().ConfigureAwait(false);
            // The action then prints only the usage: the errors are written above, with their
            // close matches, instead of its own list of them and of its typo hints.
            errorAction.ShowTypoCorrections = false;
            errorAction.ShowHelp = true;
        }

        var exitCode = await parsed.InvokeAsync(new InvocationConfiguration
        {
            // On a bad command line the usage belongs with the error, and stdout stays for what a
            // verb prints.
            Output = bad ? error : output,
            Error = bad ? TextWriter.Null : error,
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
    /// One line per parse error; an unrecognized name gets the known option (or verb) it is
    /// closest to. Values are left alone: only a token that looks like an option, or a word where
    /// a verb may stand, is compared.
    /// </summary>
    public static IEnumerable<string> ErrorLines(string program, ParseResult parsed)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        var command = parsed.CommandResult.Command;
        var options = OptionsOf(parsed.CommandResult).SelectMany(o => o.Aliases.Prepend(o.Name)).ToList();
        var verbs = command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name).ToList();
        foreach (var error in parsed.Errors)
        {
            var message = error.Message.TrimEnd('.');
            var token = parsed.UnmatchedTokens.FirstOrDefault(t => message.EndsWith($"'{t}'", StringComparison.Ordinal));
            var match = token switch
            {
                null => null,
                ['-', ..] => CloseMatch.Find(token.Split('=', 2)[0], options),
                _ => CloseMatch.Find(token, verbs),
            };
            yield return match is null ? $"{program}: {message}" : $"{program}: {message} (did you mean {match}?)";
        }
    }

    /// <summary>The options a command accepts: its own and its ancestors' recursive ones (help), none hidden.</summary>
    private static IEnumerable<Option> OptionsOf(SymbolResult? result)
    {
        for (var first = true; result is not null; result = result.Parent, first = false)
        {
            if (result is CommandResult { Command: var command })
            {
                foreach (var option in command.Options.Where(o => !o.Hidden && (first || o.Recursive)))
                {
                    yield return option;
                }
            }
        }
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
