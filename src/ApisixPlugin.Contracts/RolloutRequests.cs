namespace ApisixPlugin.Protos.V1;

/// <summary>A call about one Rollout: the sidecar's failure logs name the Rollout from it.</summary>
public interface IRolloutRequest
{
    Rollout Rollout { get; }
}

public sealed partial class UpdateHashRequest : IRolloutRequest;

public sealed partial class SetWeightRequest : IRolloutRequest;

public sealed partial class SetHeaderRouteRequest : IRolloutRequest;

public sealed partial class SetMirrorRouteRequest : IRolloutRequest;

public sealed partial class VerifyWeightRequest : IRolloutRequest;

public sealed partial class RemoveManagedRoutesRequest : IRolloutRequest;
