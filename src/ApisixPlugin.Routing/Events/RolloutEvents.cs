using ApisixPlugin.Core.Rollouts;

namespace ApisixPlugin.Routing.Events;

/// <summary>A Kubernetes Event to record on the Rollout, like the built-in router's.</summary>
public sealed record RolloutEvent(RolloutContext Rollout, bool IsWarning, string Reason, string Message);

/// <summary>Where Events go. Recording never delays or fails a traffic-router call.</summary>
public interface IRolloutEvents
{
    void Record(RolloutEvent rolloutEvent);
}

/// <summary>Drops every event: for <c>simulate</c> and for tests that are not about events.</summary>
public sealed class DiscardRolloutEvents : IRolloutEvents
{
    public static readonly DiscardRolloutEvents Instance = new();

    public void Record(RolloutEvent rolloutEvent)
    {
    }
}
