using System.Globalization;
using System.Text.Json.Nodes;
using ApisixPlugin.Protos.V1;
using Google.Protobuf;

namespace ApisixPlugin.Sidecar.Simulation;

/// <summary>
/// Replays a canary Rollout's steps as the controller's traffic-router calls, in the controller's
/// order (argo-rollouts rollout/trafficrouting.go, reconcileTrafficRouting): a weight step is
/// SetWeight then VerifyWeight; a header or mirror step is its own call; pauses, analysis and the
/// like reach no router. After the last step the canary gets the maximum weight, is promoted to
/// stable, and then the managed routes are removed and the canary weight goes back to 0.
/// Every call is printed with its outcome, and each step with the routes it changed.
/// </summary>
internal sealed class CanaryReplay(InProcessRouter router, RouteChangePrinter printer, TextWriter output, Rollout rollout)
{
    private static readonly JsonParser StrictJson = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(false));

    public int Calls { get; private set; }

    public int Failures { get; private set; }

    public async Task RunAsync(IReadOnlyList<JsonObject> steps)
    {
        output.WriteLine("init:");
        Report("InitPlugin", await router.InitPlugin(new InitPluginRequest()).ConfigureAwait(false), _ => "ok");
        output.WriteLine();

        for (var i = 0; i < steps.Count; i++)
        {
            await StepAsync(i + 1, steps[i]).ConfigureAwait(false);
            printer.PrintStepChanges();
            output.WriteLine();
        }

        var max = rollout.MaxTrafficWeight == 0 ? 100 : rollout.MaxTrafficWeight;
        output.WriteLine($"promote: all steps done, the canary takes all traffic (weight {max}) before it becomes stable");
        await WeightAsync(max).ConfigureAwait(false);
        printer.PrintStepChanges();
        output.WriteLine();

        output.WriteLine("promote: the canary is the stable ReplicaSet now; managed routes go and the canary weight returns to 0");
        Report("RemoveManagedRoutes", await router.RemoveManagedRoutes(new RemoveManagedRoutesRequest { Rollout = rollout }).ConfigureAwait(false),
            r => Count(r.RoutesDeleted, "route deleted", "routes deleted"));
        await WeightAsync(0).ConfigureAwait(false);
        printer.PrintStepChanges();
    }

    private async Task StepAsync(int number, JsonObject step)
    {
        if (step.Count != 1)
        {
            output.WriteLine($"step {number}: {string.Join(", ", step.Select(p => p.Key))}");
            Fail("a step must have exactly one field");
            return;
        }

        var (kind, value) = step.First();
        switch (kind)
        {
            case "setWeight" when value is JsonValue v && v.TryGetValue<long>(out var weight) && weight is >= int.MinValue and <= int.MaxValue:
                output.WriteLine($"step {number}: setWeight {weight.ToString(CultureInfo.InvariantCulture)}");
                await WeightAsync((int)weight).ConfigureAwait(false);
                break;
            case "setWeight":
                output.WriteLine($"step {number}: setWeight {value?.ToJsonString()}");
                Fail("setWeight must be a whole number");
                break;
            case "setHeaderRoute":
                output.WriteLine($"step {number}: setHeaderRoute {RolloutDocument.Text(value?["name"])}");
                if (Parse<SetHeaderRoute>(kind, value) is { } header)
                {
                    Report($"SetHeaderRoute({header.Name})",
                        await router.SetHeaderRoute(new SetHeaderRouteRequest { Rollout = rollout, HeaderRoute = header }).ConfigureAwait(false), _ => "ok");
                }

                break;
            case "setMirrorRoute":
                output.WriteLine($"step {number}: setMirrorRoute {RolloutDocument.Text(value?["name"])}");
                if (Parse<SetMirrorRoute>(kind, value) is { } mirror)
                {
                    await MirrorAsync(mirror).ConfigureAwait(false);
                }

                break;
            case "pause":
                output.WriteLine($"step {number}: pause{PauseDuration(value)}");
                output.WriteLine("  skipped: the controller waits; no traffic-router call");
                break;
            default:
                output.WriteLine($"step {number}: {kind}");
                output.WriteLine($"  skipped: {kind} is not simulated; it makes no traffic-router call of its own");
                break;
        }
    }

    private async Task MirrorAsync(SetMirrorRoute mirror)
    {
        if (mirror is { HasPercentage: true, Percentage: 0 })
        {
            // go-plugin's gob encoding drops zero values, *int32 pointing at 0 included: the
            // bridge receives no percentage, which means all matching requests.
            mirror.ClearPercentage();
            output.WriteLine("  note: percentage 0 arrives as no percentage through go-plugin (gob omits zero values), i.e. 100");
        }

        Report($"SetMirrorRoute({mirror.Name})",
            await router.SetMirrorRoute(new SetMirrorRouteRequest { Rollout = rollout, MirrorRoute = mirror }).ConfigureAwait(false), _ => "ok");
    }

    /// <summary>The controller verifies only after SetWeight succeeded.</summary>
    private async Task WeightAsync(int weight)
    {
        var w = weight.ToString(CultureInfo.InvariantCulture);
        var set = await router.SetWeight(new SetWeightRequest { Rollout = rollout, DesiredWeight = weight }).ConfigureAwait(false);
        Report($"SetWeight({w})", set, r => Count(r.RoutesChanged, "route written", "routes written"));
        if (set.Failure is null)
        {
            Report($"VerifyWeight({w})", await router.VerifyWeight(new VerifyWeightRequest { Rollout = rollout, DesiredWeight = weight }).ConfigureAwait(false),
                r => r.Verification switch
                {
                    Verification.Verified => "verified",
                    Verification.NotImplemented => "not implemented",
                    _ => $"not verified: {r.Detail}",
                });
        }
    }

    private T? Parse<T>(string kind, JsonNode? value)
        where T : class, IMessage<T>, new()
    {
        try
        {
            return StrictJson.Parse<T>(value?.ToJsonString() ?? "null");
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidJsonException)
        {
            Fail($"the {kind} step cannot be sent: {e.Message}");
            return null;
        }
    }

    private void Report<T>(string call, CallResult<T> result, Func<T, string> describe)
        where T : class
    {
        Calls++;
        if (result.Response is { } response)
        {
            output.WriteLine($"  {call}: {describe(response)}");
        }
        else
        {
            Failures++;
            output.WriteLine($"  {call}: {result.FailureText}");
        }
    }

    private void Fail(string reason)
    {
        Failures++;
        output.WriteLine($"  failed: {reason}");
    }

    private static string PauseDuration(JsonNode? pause) =>
        pause?["duration"] is { } duration ? $" {(RolloutDocument.Text(duration) ?? duration.ToJsonString())}" : "";

    private static string Count(int n, string one, string many) =>
        $"{n.ToString(CultureInfo.InvariantCulture)} {(n == 1 ? one : many)}";
}
