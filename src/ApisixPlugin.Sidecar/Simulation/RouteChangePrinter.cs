using ApisixPlugin.Core.Routes;
using ApisixPlugin.Routing.Store;

namespace ApisixPlugin.Sidecar.Simulation;

/// <summary>
/// Listens to the store's writes during one step and, at the step's end, prints each route that
/// changed (in the order first written, in its final state), in full or as a diff against how it
/// was last printed.
/// </summary>
internal sealed class RouteChangePrinter : IDisposable
{
    private const string Indent = "    ";

    private readonly InMemoryApisixRouteStore _store;
    private readonly TextWriter _output;
    private readonly RouteFormat _format;
    private readonly bool _diff;
    private readonly Dictionary<string, string> _lastPrinted = new(StringComparer.Ordinal);
    private readonly List<string> _changedKeys = [];
    private readonly Dictionary<string, ApisixRouteSnapshot?> _latest = new(StringComparer.Ordinal);

    public RouteChangePrinter(InMemoryApisixRouteStore store, TextWriter output, RouteFormat format, bool diff)
    {
        _store = store;
        _output = output;
        _format = format;
        _diff = diff;
        _store.Written += OnWritten;
    }

    /// <summary>The routes as seeded, printed in full (also in diff mode: the diffs need a base).</summary>
    public void PrintInitial()
    {
        _output.WriteLine("routes before the rollout:");
        foreach (var route in _store.All())
        {
            var text = RouteRenderer.Render(route, _format);
            _lastPrinted[route.Key] = text;
            _output.WriteLine($"  {route.Key}:");
            WriteIndented(text);
        }
    }

    /// <summary>Prints what changed since the last call and forgets it.</summary>
    public void PrintStepChanges()
    {
        if (_changedKeys.Count == 0)
        {
            _output.WriteLine("  no ApisixRoute changed");
        }

        foreach (var key in _changedKeys)
        {
            PrintChange(key, _latest[key]);
        }

        _changedKeys.Clear();
        _latest.Clear();
    }

    private void PrintChange(string key, ApisixRouteSnapshot? route)
    {
        var hadBefore = _lastPrinted.TryGetValue(key, out var before);
        if (route is null)
        {
            _lastPrinted.Remove(key);
            _output.WriteLine($"  deleted {key}");
            return;
        }

        var after = RouteRenderer.Render(route, _format);
        _lastPrinted[key] = after;
        _output.WriteLine($"  {(hadBefore ? "changed" : "created")} {key}:");
        var text = _diff ? RouteRenderer.Diff(before ?? "", after) : after;
        // A write can leave the route as it was (a later write in the step undid it).
        WriteIndented(text.Length > 0 ? text : "(written, but the same as before)\n");
    }

    private void OnWritten(string key, ApisixRouteSnapshot? route)
    {
        if (!_latest.ContainsKey(key))
        {
            _changedKeys.Add(key);
        }

        _latest[key] = route;
    }

    private void WriteIndented(string text)
    {
        foreach (var line in text.TrimEnd('\n').Split('\n'))
        {
            _output.WriteLine(line.Length == 0 ? "" : Indent + line);
        }
    }

    public void Dispose() => _store.Written -= OnWritten;
}
