package pluginrpc

import (
	"fmt"

	"goplugin-peer/v1alpha1"
)

// Router is what a traffic-router plugin implements (argo-rollouts' TrafficRouterPlugin).
type Router interface {
	InitPlugin() RpcError
	UpdateHash(ro *v1alpha1.Rollout, canaryHash, stableHash string, extra []v1alpha1.WeightDestination) RpcError
	SetWeight(ro *v1alpha1.Rollout, weight int32, extra []v1alpha1.WeightDestination) RpcError
	SetHeaderRoute(ro *v1alpha1.Rollout, route *v1alpha1.SetHeaderRoute) RpcError
	SetMirrorRoute(ro *v1alpha1.Rollout, route *v1alpha1.SetMirrorRoute) RpcError
	VerifyWeight(ro *v1alpha1.Rollout, weight int32, extra []v1alpha1.WeightDestination) (RpcVerified, RpcError)
	RemoveManagedRoutes(ro *v1alpha1.Rollout) RpcError
	Type() string
}

// RouterServer is the net/rpc receiver go-plugin serves as "Plugin": every method takes the
// argument as an interface (the concrete type comes from the gob registration) and never returns
// a net/rpc error for a router failure, only an RpcError in the reply, as argo-rollouts does.
type RouterServer struct {
	Impl Router
}

func invalid(args interface{}) error { return fmt.Errorf("invalid args %v", args) }

// InitPlugin serves Plugin.InitPlugin.
func (s *RouterServer) InitPlugin(_ interface{}, resp *RpcError) error {
	*resp = s.Impl.InitPlugin()
	return nil
}

// UpdateHash serves Plugin.UpdateHash.
func (s *RouterServer) UpdateHash(args interface{}, resp *RpcError) error {
	a, ok := args.(*UpdateHashArgs)
	if !ok {
		return invalid(args)
	}
	*resp = s.Impl.UpdateHash(&a.Rollout, a.CanaryHash, a.StableHash, a.AdditionalDestinations)
	return nil
}

// SetWeight serves Plugin.SetWeight.
func (s *RouterServer) SetWeight(args interface{}, resp *RpcError) error {
	a, ok := args.(*SetWeightAndVerifyWeightArgs)
	if !ok {
		return invalid(args)
	}
	*resp = s.Impl.SetWeight(&a.Rollout, a.DesiredWeight, a.AdditionalDestinations)
	return nil
}

// SetHeaderRoute serves Plugin.SetHeaderRoute.
func (s *RouterServer) SetHeaderRoute(args interface{}, resp *RpcError) error {
	a, ok := args.(*SetHeaderArgs)
	if !ok {
		return invalid(args)
	}
	*resp = s.Impl.SetHeaderRoute(&a.Rollout, &a.SetHeaderRoute)
	return nil
}

// SetMirrorRoute serves Plugin.SetMirrorRoute.
func (s *RouterServer) SetMirrorRoute(args interface{}, resp *RpcError) error {
	a, ok := args.(*SetMirrorArgs)
	if !ok {
		return invalid(args)
	}
	*resp = s.Impl.SetMirrorRoute(&a.Rollout, &a.SetMirrorRoute)
	return nil
}

// VerifyWeight serves Plugin.VerifyWeight.
func (s *RouterServer) VerifyWeight(args interface{}, resp *VerifyWeightResponse) error {
	a, ok := args.(*SetWeightAndVerifyWeightArgs)
	if !ok {
		return invalid(args)
	}
	verified, err := s.Impl.VerifyWeight(&a.Rollout, a.DesiredWeight, a.AdditionalDestinations)
	*resp = VerifyWeightResponse{Verified: verified, Err: err}
	return nil
}

// RemoveManagedRoutes serves Plugin.RemoveManagedRoutes.
func (s *RouterServer) RemoveManagedRoutes(args interface{}, resp *RpcError) error {
	a, ok := args.(*RemoveManagedRoutesArgs)
	if !ok {
		return invalid(args)
	}
	*resp = s.Impl.RemoveManagedRoutes(&a.Rollout)
	return nil
}

// Type serves Plugin.Type.
func (s *RouterServer) Type(_ interface{}, resp *string) error {
	*resp = s.Impl.Type()
	return nil
}

// GetWeightUpdateDeadline serves Plugin.GetWeightUpdateDeadline: no delay is ever pending.
func (s *RouterServer) GetWeightUpdateDeadline(args interface{}, resp *WeightUpdateDeadlineResponse) error {
	if _, ok := args.(*GetWeightUpdateDeadlineArgs); !ok {
		return invalid(args)
	}
	*resp = WeightUpdateDeadlineResponse{}
	return nil
}

// ClearWeightUpdateDeadline serves Plugin.ClearWeightUpdateDeadline: nothing to clear.
func (s *RouterServer) ClearWeightUpdateDeadline(args interface{}, resp *RpcError) error {
	if _, ok := args.(*ClearWeightUpdateDeadlineArgs); !ok {
		return invalid(args)
	}
	*resp = RpcError{}
	return nil
}
