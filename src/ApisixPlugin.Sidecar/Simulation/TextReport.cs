using ApisixPlugin.Core.Routes;

namespace ApisixPlugin.Sidecar.Simulation;

/// <summary>
/// The replay for a person: the table first, then the traffic each step leaves as APISIX shares
/// it, then the routes before it and, step by step, each
/// call with its answer and each route the step wrote, in full or as a diff against how it was
/// last printed.
/// </summary>
internal sealed class TextReport(TextWriter output, bool diff)
{
    private const string Indent = "    ";

    private readonly Dictionary<string, string> _lastPrinted = new(StringComparer.Ordinal);

    public void Write(ReplayHeader header, ReplayRecord record)
    {
        header.WriteText(output);
        output.WriteLine();
        output.Write(WeightTable.Render(record, header.Canary, header.Stable, header.Namespace));
        output.WriteLine();
        TrafficSection.Write(output, record, WeightTable.Columns(record, header.Canary, header.Stable), header.Roles);
        output.WriteLine();

        output.WriteLine("routes before the rollout:");
        foreach (var route in record.Before)
        {
            var text = RouteRenderer.Yaml(route);
            _lastPrinted[route.Key] = text;
            output.WriteLine($"  {route.Key}:");
            WriteIndented(text);
        }

        foreach (var step in record.Steps)
        {
            output.WriteLine();
            WriteStep(step);
        }

        output.WriteLine();
        if (record.FailedStep is { } failed)
        {
            output.WriteLine($"stopped: {Name(failed)} failed; the controller retries it and goes no further");
        }

        output.WriteLine($"result: {record.Calls} calls, {record.FailedCalls} failed");
    }

    /// <summary>How the step is named in the text: "step 4", "promote", "init".</summary>
    public static string Name(ReplayedStep step) => char.IsAsciiDigit(step.Label[0]) ? $"step {step.Label}" : step.Label;

    private void WriteStep(ReplayedStep step)
    {
        output.WriteLine(step.Kind == "init" ? "init:" : $"{Name(step)}: {step.Title}");
        foreach (var note in step.Notes)
        {
            output.WriteLine(note.StartsWith("skipped: ", StringComparison.Ordinal) || note.StartsWith("failed: ", StringComparison.Ordinal)
                ? $"  {note}"
                : $"  note: {note}");
        }

        foreach (var call in step.Calls)
        {
            output.WriteLine($"  {call.Call}: {call.Outcome}");
        }

        if (step.Kind == "init")
        {
            return;
        }

        if (step.Writes.Count == 0)
        {
            output.WriteLine("  no ApisixRoute changed");
        }

        foreach (var write in step.Writes)
        {
            WriteChange(write.Key, write.After);
        }
    }

    private void WriteChange(string key, ApisixRouteSnapshot? route)
    {
        var hadBefore = _lastPrinted.TryGetValue(key, out var before);
        if (route is null)
        {
            _lastPrinted.Remove(key);
            output.WriteLine($"  deleted {key}");
            return;
        }

        var after = RouteRenderer.Yaml(route);
        _lastPrinted[key] = after;
        output.WriteLine($"  {(hadBefore ? "changed" : "created")} {key}:");
        var text = diff ? RouteRenderer.Diff(before ?? "", after) : after;
        // A write can leave the route as it was (a later write in the step undid it).
        WriteIndented(text.Length > 0 ? text : "(written, but the same as before)\n");
    }

    private void WriteIndented(string text)
    {
        foreach (var line in text.TrimEnd('\n').Split('\n'))
        {
            output.WriteLine(line.Length == 0 ? "" : Indent + line);
        }
    }
}
