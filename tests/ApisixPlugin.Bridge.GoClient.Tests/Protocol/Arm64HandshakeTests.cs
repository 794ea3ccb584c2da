using ApisixPlugin.Bridge.GoClient.Tests.Support;
using ApisixPlugin.Testing.Arm64;

namespace ApisixPlugin.Bridge.GoClient.Tests.Protocol;

/// <summary>
/// The linux-arm64 bridge (cross-published by tests/infra/prepare-arm64.sh with deploy/publish.sh
/// --arch arm64) under qemu-aarch64-static, driven by the real go-plugin client as the controller
/// drives the amd64 one: handshake, dispense, a call, ping and quit. Its ELF header, --version and
/// cookie check are in the Deploy suite (Release/Arm64Tests).
/// </summary>
[Collection(PeerCollection.Name)]
public sealed class Arm64HandshakeTests(PeerBinaries peers)
{
    [Fact]
    public async Task The_real_go_plugin_client_handshakes_with_the_arm64_bridge_calls_it_and_quits_it()
    {
        var (bridge, _) = await Arm64Files.GetAsync();
        // go-plugin execs the plugin file itself: a script stands in, exec'ing qemu with the arm64 file.
        var wrapper = Qemu.Wrapper(bridge);
        try
        {
            var run = await ControllerRun.StartAsync(peers.Go, wrapper, [], ["--noop"], ControllerRun.TypeOnly());

            run.AssertTypedPingedAndLeftByItself();
        }
        finally
        {
            File.Delete(wrapper);
        }
    }
}
