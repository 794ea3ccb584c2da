using System.Globalization;
using System.Text.Json.Nodes;
using ApisixPlugin.Core.Routes;
using ApisixPlugin.Protos.V1;
using ApisixPlugin.Routing.Store;
using Google.Protobuf;

namespace ApisixPlugin.Sidecar.Simulation;

/// <summary>
/// Replays a canary Rollout's steps as the controller's traffic-router calls, in the controller's
/// order (argo-rollouts rollout/trafficrouting.go, reconcileTrafficRouting): a weight step is
/// SetWeight then VerifyWeight; a header or mirror step is its own call; an experiment step with
/// template weights is SetWeight at the current weight with the templates as additional
/// destinations, and they go again when the next step starts; pauses, analysis and the like reach
/// no router. After the last step the canary gets the maximum weight, is promoted to stable, and
/// then the managed routes are removed and the canary weight goes back to 0. An abort after a
/// chosen step removes the managed routes and sets the weight to 0 instead. The first step that
/// fails ends the replay: the controller would retry it and go no further.
/// </summary>
internal sealed class CanaryReplay(InProcessRouter router, InMemoryApisixRouteStore store, Rollout rollout)
{
    private static readonly JsonParser StrictJson = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(false));

    private readonly List<ReplayedStep> _steps = [];
    private int _currentWeight;
    private bool _experimentRunning;

    public async Task<ReplayRecord> RunAsync(IReadOnlyList<JsonObject> steps, int? abortAfter)
    {
        var before = store.All();
        if (await PhaseAsync("init", "init", "InitPlugin", async step =>
                step.Report("InitPlugin", "InitPlugin", await router.InitPlugin(new InitPluginRequest()).ConfigureAwait(false), _ => "ok"))
            .ConfigureAwait(false))
        {
            await StepsAsync(steps, abortAfter).ConfigureAwait(false);
        }

        return new ReplayRecord(before, _steps);
    }

    private async Task StepsAsync(IReadOnlyList<JsonObject> steps, int? abortAfter)
    {
        for (var i = 0; i < steps.Count; i++)
        {
            if (!await RolloutStepAsync(i + 1, steps[i]).ConfigureAwait(false))
            {
                return;
            }

            if (abortAfter == i + 1)
            {
                await PhaseAsync("abort", "abort", "aborted after this step: the managed routes go and all traffic returns to stable", async step =>
                {
                    await RemoveManagedRoutesAsync(step).ConfigureAwait(false);
                    await WeightAsync(step, 0, []).ConfigureAwait(false);
                }).ConfigureAwait(false);
                return;
            }
        }

        var max = rollout.MaxTrafficWeight == 0 ? 100 : rollout.MaxTrafficWeight;
        if (await PhaseAsync("promote", "promote", $"all steps done: the canary takes all traffic (weight {max}) before it becomes stable",
                step => WeightAsync(step, max, [])).ConfigureAwait(false))
        {
            await PhaseAsync("promoted", "promoted", "the canary is the stable ReplicaSet now: managed routes go, the canary weight returns to 0", async step =>
            {
                await RemoveManagedRoutesAsync(step).ConfigureAwait(false);
                await WeightAsync(step, 0, []).ConfigureAwait(false);
            }).ConfigureAwait(false);
        }
    }

    /// <summary>Runs one row and records it; false when it failed (the replay ends there).</summary>
    private async Task<bool> PhaseAsync(string label, string kind, string title, Func<StepInProgress, Task> body)
    {
        using var step = new StepInProgress(store);
        await body(step).ConfigureAwait(false);
        var record = step.Finish(label, kind, title);
        _steps.Add(record);
        return record.Outcome != StepOutcome.Failed;
    }

    private Task<bool> RolloutStepAsync(int number, JsonObject step)
    {
        var label = number.ToString(CultureInfo.InvariantCulture);
        if (step.Count != 1)
        {
            return PhaseAsync(label, "invalid", string.Join(", ", step.Select(p => p.Key)), s =>
            {
                s.Fail("a step must have exactly one field");
                return Task.CompletedTask;
            });
        }

        var (kind, value) = step.First();
        return kind switch
        {
            "setWeight" when value is JsonValue v && v.TryGetValue<long>(out var weight) && weight is >= int.MinValue and <= int.MaxValue =>
                PhaseAsync(label, kind, $"setWeight {weight.ToString(CultureInfo.InvariantCulture)}", async s =>
                {
                    _experimentRunning = false; // its own SetWeight names no experiment destination
                    _currentWeight = (int)weight;
                    await WeightAsync(s, _currentWeight, []).ConfigureAwait(false);
                }),
            "setWeight" => PhaseAsync(label, kind, $"setWeight {value?.ToJsonString()}", s =>
            {
                s.Fail("setWeight must be a whole number");
                return Task.CompletedTask;
            }),
            "setHeaderRoute" => PhaseAsync(label, kind, $"setHeaderRoute {RolloutDocument.Text(value?["name"])}", async s =>
            {
                await EndExperimentAsync(s).ConfigureAwait(false);
                if (Parse<SetHeaderRoute>(s, kind, value) is { } header)
                {
                    s.Report("SetHeaderRoute", $"SetHeaderRoute({header.Name})",
                        await router.SetHeaderRoute(new SetHeaderRouteRequest { Rollout = rollout, HeaderRoute = header }).ConfigureAwait(false), _ => "ok");
                }
            }),
            "setMirrorRoute" => PhaseAsync(label, kind, $"setMirrorRoute {RolloutDocument.Text(value?["name"])}", async s =>
            {
                await EndExperimentAsync(s).ConfigureAwait(false);
                if (Parse<SetMirrorRoute>(s, kind, value) is { } mirror)
                {
                    await MirrorAsync(s, mirror).ConfigureAwait(false);
                }
            }),
            "experiment" => PhaseAsync(label, kind, $"experiment{ExperimentTemplates.Describe(value)}", s => ExperimentAsync(s, value)),
            "pause" => PhaseAsync(label, kind, $"pause{PauseDuration(value)}", async s =>
            {
                await EndExperimentAsync(s).ConfigureAwait(false);
                s.Skip("the controller waits; no traffic-router call");
            }),
            _ => PhaseAsync(label, kind, kind, async s =>
            {
                await EndExperimentAsync(s).ConfigureAwait(false);
                s.Skip($"{kind} is not simulated; it makes no traffic-router call of its own");
            }),
        };
    }

    /// <summary>While an experiment step with weights runs, each SetWeight names its templates' Services too.</summary>
    private async Task ExperimentAsync(StepInProgress step, JsonNode? value)
    {
        var templates = ExperimentTemplates.Read(value, rollout.Name);
        step.Notes.AddRange(templates.Notes);
        if (templates.Destinations.Count == 0)
        {
            await EndExperimentAsync(step).ConfigureAwait(false);
            step.Skip("no template has a weight, so no traffic goes to the experiment and no traffic-router call is made");
            return;
        }

        _experimentRunning = true;
        await WeightAsync(step, _currentWeight, templates.Destinations).ConfigureAwait(false);
    }

    /// <summary>The step after an experiment: the controller's next SetWeight names no experiment destination, so they go.</summary>
    private async Task EndExperimentAsync(StepInProgress step)
    {
        if (_experimentRunning)
        {
            _experimentRunning = false;
            step.Notes.Add("the experiment is over: the controller's next SetWeight names only canary and stable, so the experiment backends go");
            await WeightAsync(step, _currentWeight, []).ConfigureAwait(false);
        }
    }

    private async Task MirrorAsync(StepInProgress step, SetMirrorRoute mirror)
    {
        if (mirror is { HasPercentage: true, Percentage: 0 })
        {
            // go-plugin's gob encoding drops zero values, *int32 pointing at 0 included: the
            // bridge receives no percentage, which means all matching requests.
            mirror.ClearPercentage();
            step.Notes.Add("percentage 0 arrives as no percentage through go-plugin (gob omits zero values), i.e. 100");
        }

        step.Report("SetMirrorRoute", $"SetMirrorRoute({mirror.Name})",
            await router.SetMirrorRoute(new SetMirrorRouteRequest { Rollout = rollout, MirrorRoute = mirror }).ConfigureAwait(false), _ => "ok");
    }

    private async Task RemoveManagedRoutesAsync(StepInProgress step) =>
        step.Report("RemoveManagedRoutes", "RemoveManagedRoutes",
            await router.RemoveManagedRoutes(new RemoveManagedRoutesRequest { Rollout = rollout }).ConfigureAwait(false),
            r => Count(r.RoutesDeleted, "route deleted", "routes deleted"));

    /// <summary>The controller verifies only after SetWeight succeeded.</summary>
    private async Task WeightAsync(StepInProgress step, int weight, IReadOnlyList<WeightDestination> additional)
    {
        if (step.HasFailed)
        {
            return;
        }

        var args = weight.ToString(CultureInfo.InvariantCulture)
            + string.Concat(additional.Select(d => $", {d.ServiceName}={d.Weight.ToString(CultureInfo.InvariantCulture)}"));
        var set = new SetWeightRequest { Rollout = rollout, DesiredWeight = weight };
        set.AdditionalDestinations.AddRange(additional);
        if (!step.Report("SetWeight", $"SetWeight({args})", await router.SetWeight(set).ConfigureAwait(false),
                r => Count(r.RoutesChanged, "route written", "routes written")))
        {
            return;
        }

        var verify = new VerifyWeightRequest { Rollout = rollout, DesiredWeight = weight };
        verify.AdditionalDestinations.AddRange(additional);
        step.Report("VerifyWeight", $"VerifyWeight({args})", await router.VerifyWeight(verify).ConfigureAwait(false),
            r => r.Verification switch
            {
                Verification.Verified => "verified",
                Verification.NotImplemented => "not implemented",
                _ => $"not verified: {r.Detail}",
            });
    }

    private static T? Parse<T>(StepInProgress step, string kind, JsonNode? value)
        where T : class, IMessage<T>, new()
    {
        try
        {
            return StrictJson.Parse<T>(value?.ToJsonString() ?? "null");
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidJsonException)
        {
            step.Fail($"the {kind} step cannot be sent: {e.Message}");
            return null;
        }
    }

    private static string PauseDuration(JsonNode? pause) =>
        pause?["duration"] is { } duration ? $" {(RolloutDocument.Text(duration) ?? duration.ToJsonString())}" : "";

    private static string Count(int n, string one, string many) =>
        $"{n.ToString(CultureInfo.InvariantCulture)} {(n == 1 ? one : many)}";

    /// <summary>A row being replayed: its calls, notes and the routes written meanwhile (the store tells).</summary>
    private sealed class StepInProgress : IDisposable
    {
        private readonly InMemoryApisixRouteStore _store;
        private readonly List<ReplayedCall> _calls = [];
        private readonly List<string> _writtenKeys = [];
        private readonly Dictionary<string, ApisixRouteSnapshot?> _latest = new(StringComparer.Ordinal);
        private bool _skipped;

        public StepInProgress(InMemoryApisixRouteStore store)
        {
            _store = store;
            _store.Written += OnWritten;
        }

        public List<string> Notes { get; } = [];

        public bool HasFailed { get; private set; }

        /// <summary>Records a call's answer; false when it failed.</summary>
        public bool Report<T>(string method, string call, CallResult<T> result, Func<T, string> describe)
            where T : class
        {
            var succeeded = result.Response is not null;
            _calls.Add(new ReplayedCall(method, call, succeeded, result.Response is { } response ? describe(response) : result.FailureText));
            HasFailed |= !succeeded;
            return succeeded;
        }

        public void Fail(string reason)
        {
            Notes.Add($"failed: {reason}");
            HasFailed = true;
        }

        public void Skip(string reason)
        {
            Notes.Add($"skipped: {reason}");
            _skipped = true;
        }

        public ReplayedStep Finish(string label, string kind, string title) =>
            new(label, kind, title, [.. _calls], [.. Notes], [.. _writtenKeys.Select(k => new RouteWrite(k, _latest[k]))], _store.All(),
                HasFailed ? StepOutcome.Failed : _skipped && _calls.Count == 0 ? StepOutcome.Skipped : StepOutcome.Ok);

        private void OnWritten(string key, ApisixRouteSnapshot? route)
        {
            if (!_latest.ContainsKey(key))
            {
                _writtenKeys.Add(key);
            }

            _latest[key] = route;
        }

        public void Dispose() => _store.Written -= OnWritten;
    }
}
