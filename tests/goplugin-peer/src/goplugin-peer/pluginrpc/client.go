package pluginrpc

import (
	"fmt"
	"net/rpc"
	"time"

	plugin "github.com/hashicorp/go-plugin"

	"goplugin-peer/v1alpha1"
)

// RouterPlugin is the plugin.Plugin the controller registers under PluginName. Impl is only set
// when serving (the Go no-op reference plugin).
type RouterPlugin struct {
	Impl Router
}

// Server returns the net/rpc receiver that go-plugin registers as service "Plugin".
func (p *RouterPlugin) Server(*plugin.MuxBroker) (interface{}, error) {
	return &RouterServer{Impl: p.Impl}, nil
}

// Client wraps the dispensed stream's net/rpc client.
func (*RouterPlugin) Client(_ *plugin.MuxBroker, c *rpc.Client) (interface{}, error) {
	return &RouterClient{rpc: c, Timeout: time.Minute}, nil
}

// CallResult is one call as the controller experiences it. CallError is net/rpc's own error
// (transport, decoding, Response.Error); argo-rollouts folds it into an RpcError whose text starts
// with "<Method> rpc call error:", which Err reproduces.
type CallResult struct {
	Err       RpcError
	CallError error
	Verified  *RpcVerified
	Type      *string
	Deadline  *time.Time
	Elapsed   time.Duration
}

// RouterClient makes the calls exactly as argo-rollouts' TrafficRouterPluginRPC does (argument
// assigned to an `any` and passed by pointer, so gob sends it as an interface), with a deadline
// added so that a hanging plugin fails the test instead of hanging it.
type RouterClient struct {
	rpc     *rpc.Client
	Timeout time.Duration
}

func (c *RouterClient) call(method string, args interface{}, reply interface{}) (time.Duration, error) {
	started := time.Now()
	call := c.rpc.Go("Plugin."+method, args, reply, make(chan *rpc.Call, 1))
	select {
	case done := <-call.Done:
		return time.Since(started), done.Error
	case <-time.After(c.Timeout):
		return time.Since(started), fmt.Errorf("no reply within %s", c.Timeout)
	}
}

func (c *RouterClient) rpcErrorCall(method string, args interface{}) CallResult {
	var resp RpcError
	elapsed, err := c.call(method, args, &resp)
	if err != nil {
		resp = RpcError{ErrorString: fmt.Sprintf("%s rpc call error: %s", method, err)}
	}
	return CallResult{Err: resp, CallError: err, Elapsed: elapsed}
}

// InitPlugin sends a nil interface, like argo-rollouts' new(any).
func (c *RouterClient) InitPlugin() CallResult {
	return c.rpcErrorCall("InitPlugin", new(interface{}))
}

// Type returns the plugin's type name.
func (c *RouterClient) Type() CallResult {
	var resp string
	elapsed, err := c.call("Type", new(interface{}), &resp)
	result := CallResult{CallError: err, Elapsed: elapsed}
	if err != nil {
		resp = fmt.Sprintf("Type rpc call error: %s", err)
	}
	result.Type = &resp
	return result
}

// UpdateHash sends UpdateHashArgs.
func (c *RouterClient) UpdateHash(ro *v1alpha1.Rollout, canaryHash, stableHash string, extra []v1alpha1.WeightDestination) CallResult {
	var args interface{} = UpdateHashArgs{Rollout: *ro, CanaryHash: canaryHash, StableHash: stableHash, AdditionalDestinations: extra}
	return c.rpcErrorCall("UpdateHash", &args)
}

// SetWeight sends SetWeightAndVerifyWeightArgs.
func (c *RouterClient) SetWeight(ro *v1alpha1.Rollout, weight int32, extra []v1alpha1.WeightDestination) CallResult {
	var args interface{} = SetWeightAndVerifyWeightArgs{Rollout: *ro, DesiredWeight: weight, AdditionalDestinations: extra}
	return c.rpcErrorCall("SetWeight", &args)
}

// SetHeaderRoute sends SetHeaderArgs.
func (c *RouterClient) SetHeaderRoute(ro *v1alpha1.Rollout, route *v1alpha1.SetHeaderRoute) CallResult {
	var args interface{} = SetHeaderArgs{Rollout: *ro, SetHeaderRoute: *route}
	return c.rpcErrorCall("SetHeaderRoute", &args)
}

// SetMirrorRoute sends SetMirrorArgs.
func (c *RouterClient) SetMirrorRoute(ro *v1alpha1.Rollout, route *v1alpha1.SetMirrorRoute) CallResult {
	var args interface{} = SetMirrorArgs{Rollout: *ro, SetMirrorRoute: *route}
	return c.rpcErrorCall("SetMirrorRoute", &args)
}

// VerifyWeight sends SetWeightAndVerifyWeightArgs and decodes a VerifyWeightResponse.
func (c *RouterClient) VerifyWeight(ro *v1alpha1.Rollout, weight int32, extra []v1alpha1.WeightDestination) CallResult {
	var resp VerifyWeightResponse
	var args interface{} = SetWeightAndVerifyWeightArgs{Rollout: *ro, DesiredWeight: weight, AdditionalDestinations: extra}
	elapsed, err := c.call("VerifyWeight", &args, &resp)
	if err != nil {
		resp = VerifyWeightResponse{Verified: NotVerified, Err: RpcError{ErrorString: fmt.Sprintf("VerifyWeight rpc call error: %s", err)}}
	}
	verified := resp.Verified
	return CallResult{Err: resp.Err, CallError: err, Verified: &verified, Elapsed: elapsed}
}

// RemoveManagedRoutes sends RemoveManagedRoutesArgs.
func (c *RouterClient) RemoveManagedRoutes(ro *v1alpha1.Rollout) CallResult {
	var args interface{} = RemoveManagedRoutesArgs{Rollout: *ro}
	return c.rpcErrorCall("RemoveManagedRoutes", &args)
}

// GetWeightUpdateDeadline sends GetWeightUpdateDeadlineArgs (argo-rollouts main branch only).
func (c *RouterClient) GetWeightUpdateDeadline(ro *v1alpha1.Rollout) CallResult {
	var resp WeightUpdateDeadlineResponse
	var args interface{} = GetWeightUpdateDeadlineArgs{Rollout: *ro}
	elapsed, err := c.call("GetWeightUpdateDeadline", &args, &resp)
	if err != nil {
		resp = WeightUpdateDeadlineResponse{Err: RpcError{ErrorString: fmt.Sprintf("GetWeightUpdateDeadline rpc call error: %s", err)}}
	}
	return CallResult{Err: resp.Err, CallError: err, Deadline: resp.Deadline, Elapsed: elapsed}
}

// ClearWeightUpdateDeadline sends ClearWeightUpdateDeadlineArgs (argo-rollouts main branch only).
func (c *RouterClient) ClearWeightUpdateDeadline(ro *v1alpha1.Rollout) CallResult {
	var args interface{} = ClearWeightUpdateDeadlineArgs{Rollout: *ro}
	return c.rpcErrorCall("ClearWeightUpdateDeadline", &args)
}
