using ApisixPlugin.Bridge.Sidecar;
using Grpc.Core;

namespace ApisixPlugin.Bridge.Tests.Sidecar;

/// <summary>Whose fault the controller is told: the sidecar's only when it did not answer; otherwise the sidecar's own words.</summary>
public sealed class SidecarErrorTextTests
{
    private const string Socket = "/run/apisix-plugin/sidecar.sock";

    [Fact]
    public void A_connection_that_failed_as_the_call_started_names_the_sidecar_whatever_code_the_client_chose()
    {
        var error = new RpcException(new Status(StatusCode.Internal, "Error starting gRPC call. HttpRequestException: Connection refused", new HttpRequestException("Connection refused")));

        Assert.StartsWith($"Plugin.SetWeight: apisix sidecar at {Socket} is unavailable (Internal):", SidecarErrorText.For("Plugin.SetWeight", error, Socket, TimeSpan.FromSeconds(30)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_status_the_sidecar_sent_without_the_trailer_is_passed_on_as_it_is()
    {
        var error = new RpcException(new Status(StatusCode.FailedPrecondition, "route shop/web: no rule named 'r1'"));

        Assert.Equal("Plugin.SetWeight: FailedPrecondition: route shop/web: no rule named 'r1'", SidecarErrorText.For("Plugin.SetWeight", error, Socket, TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void The_clients_own_deadline_names_the_sidecar_and_the_wait()
    {
        var error = new RpcException(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"));

        Assert.Equal($"Plugin.SetWeight: apisix sidecar at {Socket} did not answer within 30s (DeadlineExceeded)", SidecarErrorText.For("Plugin.SetWeight", error, Socket, TimeSpan.FromSeconds(30)));
    }
}
