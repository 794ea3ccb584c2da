using ApisixPlugin.Core.Routes;

namespace ApisixPlugin.Sidecar.Simulation;

/// <summary>One traffic-router call of a replayed step, as the controller would see its answer.</summary>
/// <param name="Method">The gRPC method, e.g. SetWeight.</param>
/// <param name="Call">The call as printed, e.g. SetWeight(20).</param>
/// <param name="Outcome">"1 route written", "verified", or the failure's status and message.</param>
internal sealed record ReplayedCall(string Method, string Call, bool Succeeded, string Outcome);

/// <summary>What a step did to one ApisixRoute: its state at the step's end, or null when deleted.</summary>
internal sealed record RouteWrite(string Key, ApisixRouteSnapshot? After);

/// <summary>How a replayed step ended.</summary>
internal enum StepOutcome
{
    Ok,
    Skipped,
    Failed,
}

/// <summary>
/// One row of a replay: a Rollout step, or a phase the controller adds (init, promotion, abort).
/// <see cref="RoutesAfter"/> is every route held at the step's end.
/// </summary>
/// <param name="Label">"init", the step's number, "promote", "promoted" or "abort".</param>
/// <param name="Kind">The Rollout step's field (setWeight, pause...), or the phase's name.</param>
/// <param name="Title">What the step is, as a reader names it: "setWeight 20".</param>
/// <param name="Notes">Why a step was skipped or what a reader should know about how it was replayed.</param>
internal sealed record ReplayedStep(
    string Label,
    string Kind,
    string Title,
    IReadOnlyList<ReplayedCall> Calls,
    IReadOnlyList<string> Notes,
    IReadOnlyList<RouteWrite> Writes,
    IReadOnlyList<ApisixRouteSnapshot> RoutesAfter,
    StepOutcome Outcome);

/// <summary>The whole replay: the routes before it and each step in order, up to the first that failed.</summary>
internal sealed record ReplayRecord(IReadOnlyList<ApisixRouteSnapshot> Before, IReadOnlyList<ReplayedStep> Steps)
{
    public int Calls => Steps.Sum(s => s.Calls.Count);

    public int FailedCalls => Steps.Sum(s => s.Calls.Count(c => !c.Succeeded));

    public ReplayedStep? FailedStep => Steps.FirstOrDefault(s => s.Outcome == StepOutcome.Failed);
}
