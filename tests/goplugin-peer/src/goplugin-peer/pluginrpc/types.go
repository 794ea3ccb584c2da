// Package pluginrpc holds what the Argo Rollouts controller and a traffic-router plugin exchange
// over go-plugin's net/rpc: the handshake, the argument structs (registered with gob under the
// same names argo-rollouts uses, since each is sent inside an interface), the replies, and both
// the client side (the controller's) and a server side (for the Go no-op reference plugin).
package pluginrpc

import (
	"encoding/gob"
	"time"

	plugin "github.com/hashicorp/go-plugin"

	"goplugin-peer/v1alpha1"
)

// PluginName is the key the controller dispenses (argo-rollouts' traffic-router plugin map).
const PluginName = "RpcTrafficRouterPlugin"

// Handshake is argo-rollouts' traffic-router handshake.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  1,
	MagicCookieKey:   "ARGO_ROLLOUTS_RPC_PLUGIN",
	MagicCookieValue: "trafficrouter",
}

// RpcError is utils/plugin/types.RpcError: an empty ErrorString is success.
type RpcError struct {
	ErrorString string
}

func (e RpcError) Error() string { return e.ErrorString }

// RpcVerified is utils/plugin/types.RpcVerified: an int32, so gob sends it as an int.
type RpcVerified int32

const (
	NotVerified RpcVerified = iota
	Verified
	NotImplemented
)

// UpdateHashArgs is the UpdateHash argument.
type UpdateHashArgs struct {
	Rollout                v1alpha1.Rollout
	CanaryHash             string
	StableHash             string
	AdditionalDestinations []v1alpha1.WeightDestination
}

// SetWeightAndVerifyWeightArgs is the SetWeight and VerifyWeight argument.
type SetWeightAndVerifyWeightArgs struct {
	Rollout                v1alpha1.Rollout
	DesiredWeight          int32
	AdditionalDestinations []v1alpha1.WeightDestination
}

// SetHeaderArgs is the SetHeaderRoute argument.
type SetHeaderArgs struct {
	Rollout        v1alpha1.Rollout
	SetHeaderRoute v1alpha1.SetHeaderRoute
}

// SetMirrorArgs is the SetMirrorRoute argument.
type SetMirrorArgs struct {
	Rollout        v1alpha1.Rollout
	SetMirrorRoute v1alpha1.SetMirrorRoute
}

// RemoveManagedRoutesArgs is the RemoveManagedRoutes argument.
type RemoveManagedRoutesArgs struct {
	Rollout v1alpha1.Rollout
}

// GetWeightUpdateDeadlineArgs and ClearWeightUpdateDeadlineArgs are the arguments of the two
// newest methods of argo-rollouts' rpc.go (on its main branch, not in every release).
type GetWeightUpdateDeadlineArgs struct {
	Rollout v1alpha1.Rollout
}

// ClearWeightUpdateDeadlineArgs: see GetWeightUpdateDeadlineArgs.
type ClearWeightUpdateDeadlineArgs struct {
	Rollout v1alpha1.Rollout
}

// WeightUpdateDeadlineResponse is the GetWeightUpdateDeadline reply (nil Deadline: none pending).
type WeightUpdateDeadlineResponse struct {
	Deadline *time.Time
	Err      RpcError
}

// VerifyWeightResponse is the VerifyWeight reply.
type VerifyWeightResponse struct {
	Verified RpcVerified
	Err      RpcError
}

// The names are argo-rollouts' own: the plugin resolves the interface's concrete type by them.
func init() {
	gob.RegisterName("RpcError", new(RpcError))
	gob.RegisterName("UpdateHashArgs", new(UpdateHashArgs))
	gob.RegisterName("SetWeightAndVerifyWeightArgs", new(SetWeightAndVerifyWeightArgs))
	gob.RegisterName("SetHeaderArgs", new(SetHeaderArgs))
	gob.RegisterName("SetMirrorArgs", new(SetMirrorArgs))
	gob.RegisterName("RemoveManagedRoutesArgs", new(RemoveManagedRoutesArgs))
	gob.RegisterName("GetWeightUpdateDeadlineArgs", new(GetWeightUpdateDeadlineArgs))
	gob.RegisterName("ClearWeightUpdateDeadlineArgs", new(ClearWeightUpdateDeadlineArgs))
}
