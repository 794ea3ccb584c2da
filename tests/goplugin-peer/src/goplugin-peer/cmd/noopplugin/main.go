// Command noopplugin is the Go reference for the speed comparison: a traffic-router plugin built
// on go-plugin's own server (the way Go plugins for Argo Rollouts are built) that answers every
// call at once. It still decodes the whole argument, as any Go plugin must.
package main

import (
	"os"

	hclog "github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"

	"goplugin-peer/pluginrpc"
	"goplugin-peer/v1alpha1"
)

type noopRouter struct{}

func (noopRouter) InitPlugin() pluginrpc.RpcError { return pluginrpc.RpcError{} }
func (noopRouter) UpdateHash(*v1alpha1.Rollout, string, string, []v1alpha1.WeightDestination) pluginrpc.RpcError {
	return pluginrpc.RpcError{}
}
func (noopRouter) SetWeight(*v1alpha1.Rollout, int32, []v1alpha1.WeightDestination) pluginrpc.RpcError {
	return pluginrpc.RpcError{}
}
func (noopRouter) SetHeaderRoute(*v1alpha1.Rollout, *v1alpha1.SetHeaderRoute) pluginrpc.RpcError {
	return pluginrpc.RpcError{}
}
func (noopRouter) SetMirrorRoute(*v1alpha1.Rollout, *v1alpha1.SetMirrorRoute) pluginrpc.RpcError {
	return pluginrpc.RpcError{}
}
func (noopRouter) VerifyWeight(*v1alpha1.Rollout, int32, []v1alpha1.WeightDestination) (pluginrpc.RpcVerified, pluginrpc.RpcError) {
	return pluginrpc.Verified, pluginrpc.RpcError{}
}
func (noopRouter) RemoveManagedRoutes(*v1alpha1.Rollout) pluginrpc.RpcError {
	return pluginrpc.RpcError{}
}
func (noopRouter) Type() string { return "GoNoop" }

func main() {
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: pluginrpc.Handshake,
		Plugins:         map[string]plugin.Plugin{pluginrpc.PluginName: &pluginrpc.RouterPlugin{Impl: noopRouter{}}},
		Logger:          hclog.New(&hclog.LoggerOptions{Output: os.Stderr, Level: hclog.Warn, JSONFormat: true}),
	})
}
