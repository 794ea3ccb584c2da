using ApisixPlugin.Core.Routes;

namespace ApisixPlugin.Core.Traffic;

/// <summary>
/// The APISIX ingress controller generation that translates a route. They differ on a backend
/// whose Service is missing: 2.x skips that backend and serves the rest, 1.x fails the whole route.
/// </summary>
public enum ControllerGeneration
{
    /// <summary>Not known (no status, or a simulation): both outcomes are told where they differ.</summary>
    Unknown,

    /// <summary>1.x (up to 1.8): writes the <c>ResourcesAvailable</c> condition.</summary>
    V1,

    /// <summary>2.x: writes the <c>Accepted</c> condition.</summary>
    V2,
}

public static class ControllerGenerations
{
    /// <summary>
    /// The generation whose condition the route carries: only a 2.x controller writes
    /// <c>Accepted</c>, only 1.x <c>ResourcesAvailable</c>. A route no controller reported on says nothing.
    /// </summary>
    public static ControllerGeneration FromStatus(ApisixRouteSnapshot route) => IngressCondition.Read(route)?.Type switch
    {
        IngressCondition.Accepted => ControllerGeneration.V2,
        IngressCondition.ResourcesAvailable => ControllerGeneration.V1,
        _ => ControllerGeneration.Unknown,
    };

    public static string Describe(ControllerGeneration generation) => generation switch
    {
        ControllerGeneration.V1 => "ingress controller 1.x",
        ControllerGeneration.V2 => "ingress controller 2.x",
        _ => "ingress controller generation unknown",
    };
}
