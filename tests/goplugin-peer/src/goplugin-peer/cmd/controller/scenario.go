package main

import (
	"encoding/json"
	"fmt"
	"io/ioutil"
	"os"
	"time"

	"goplugin-peer/pluginrpc"
	"goplugin-peer/rolloutfixture"
	"goplugin-peer/v1alpha1"
)

// scenario is what the controller is asked to do: a Rollout (merged over the default one) and a
// list of calls, each of which may override Rollout fields for itself.
type scenario struct {
	Rollout json.RawMessage `json:"rollout"`
	Calls   []scenarioCall  `json:"calls"`
}

type scenarioCall struct {
	Method                 string                       `json:"method"`
	DesiredWeight          int32                        `json:"desiredWeight"`
	AdditionalDestinations []v1alpha1.WeightDestination `json:"additionalDestinations"`
	CanaryHash             string                       `json:"canaryHash"`
	StableHash             string                       `json:"stableHash"`
	HeaderRoute            *v1alpha1.SetHeaderRoute     `json:"headerRoute"`
	MirrorRoute            *v1alpha1.SetMirrorRoute     `json:"mirrorRoute"`
	Rollout                json.RawMessage              `json:"rollout"`
	Path                   string                       `json:"path"`      // WaitForFile
	TimeoutMs              int                          `json:"timeoutMs"` // WaitForFile
}

// callOutput is one stdout line per call. Err is what argo-rollouts would see (an RpcError, with
// net/rpc failures folded in as "<Method> rpc call error: ..."); CallError is the raw net/rpc error.
type callOutput struct {
	Index     int     `json:"index"`
	Method    string  `json:"method"`
	Error     string  `json:"error"`
	CallError string  `json:"callError"`
	Verified  *int32  `json:"verified,omitempty"`
	Type      *string `json:"type,omitempty"`
	Deadline  *string `json:"deadline,omitempty"`
	ElapsedUs int64   `json:"elapsedUs"`
}

func defaultScenario() scenario {
	return scenario{Calls: []scenarioCall{
		{Method: "InitPlugin"},
		{Method: "Type"},
		{Method: "UpdateHash", CanaryHash: "7d9f8c6b5", StableHash: "5c4b3a291"},
		{Method: "SetWeight", DesiredWeight: 20},
		{Method: "VerifyWeight", DesiredWeight: 20},
		{Method: "SetHeaderRoute", HeaderRoute: &v1alpha1.SetHeaderRoute{Name: "checkout-header",
			Match: []v1alpha1.HeaderRoutingMatch{{HeaderName: "X-Canary", HeaderValue: &v1alpha1.StringMatch{Exact: "yes"}}}}},
		{Method: "SetMirrorRoute", MirrorRoute: &v1alpha1.SetMirrorRoute{Name: "checkout-mirror",
			Match: []v1alpha1.RouteMatch{{Path: &v1alpha1.StringMatch{Prefix: "/api"}}}}},
		{Method: "RemoveManagedRoutes"},
	}}
}

func readScenario(path string) (scenario, error) {
	if path == "" {
		return defaultScenario(), nil
	}
	var data []byte
	var err error
	if path == "-" {
		data, err = ioutil.ReadAll(os.Stdin)
	} else {
		data, err = ioutil.ReadFile(path)
	}
	if err != nil {
		return scenario{}, err
	}
	var s scenario
	if err := json.Unmarshal(data, &s); err != nil {
		return scenario{}, fmt.Errorf("scenario %s: %w", path, err)
	}
	if len(s.Calls) == 0 {
		s.Calls = defaultScenario().Calls
	}
	return s, nil
}

// mergeParams lays JSON overrides over a copy of base (copied through JSON so maps are not shared).
func mergeParams(base rolloutfixture.Params, overrides ...json.RawMessage) (rolloutfixture.Params, error) {
	data, err := json.Marshal(base)
	if err != nil {
		return base, err
	}
	var merged rolloutfixture.Params
	if err := json.Unmarshal(data, &merged); err != nil {
		return base, err
	}
	for _, o := range overrides {
		if len(o) == 0 {
			continue
		}
		if err := json.Unmarshal(o, &merged); err != nil {
			return base, fmt.Errorf("rollout override: %w", err)
		}
	}
	return merged, nil
}

// waitForFile is a scenario step, not a plugin call: it lets a test change the world between two
// calls of one plugin process (e.g. start the sidecar after a call that found it absent).
func waitForFile(index int, c scenarioCall) callOutput {
	started := time.Now()
	timeout := time.Duration(c.TimeoutMs) * time.Millisecond
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	out := callOutput{Index: index, Method: c.Method}
	for {
		if _, err := os.Stat(c.Path); err == nil {
			break
		}
		if time.Since(started) > timeout {
			out.Error = fmt.Sprintf("controller: %s did not appear within %s", c.Path, timeout)
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	out.ElapsedUs = time.Since(started).Microseconds()
	return out
}

// run makes one call with a Rollout built from params.
func run(router *pluginrpc.RouterClient, index int, c scenarioCall, params rolloutfixture.Params) callOutput {
	if c.Method == "WaitForFile" {
		return waitForFile(index, c)
	}
	ro := rolloutfixture.Build(params)
	var r pluginrpc.CallResult
	switch c.Method {
	case "InitPlugin":
		r = router.InitPlugin()
	case "Type":
		r = router.Type()
	case "UpdateHash":
		r = router.UpdateHash(&ro, c.CanaryHash, c.StableHash, c.AdditionalDestinations)
	case "SetWeight":
		r = router.SetWeight(&ro, c.DesiredWeight, c.AdditionalDestinations)
	case "VerifyWeight":
		r = router.VerifyWeight(&ro, c.DesiredWeight, c.AdditionalDestinations)
	case "SetHeaderRoute":
		route := c.HeaderRoute
		if route == nil {
			route = &v1alpha1.SetHeaderRoute{}
		}
		r = router.SetHeaderRoute(&ro, route)
	case "SetMirrorRoute":
		route := c.MirrorRoute
		if route == nil {
			route = &v1alpha1.SetMirrorRoute{}
		}
		r = router.SetMirrorRoute(&ro, route)
	case "RemoveManagedRoutes":
		r = router.RemoveManagedRoutes(&ro)
	case "GetWeightUpdateDeadline":
		r = router.GetWeightUpdateDeadline(&ro)
	case "ClearWeightUpdateDeadline":
		r = router.ClearWeightUpdateDeadline(&ro)
	default:
		return callOutput{Index: index, Method: c.Method, Error: "controller: unknown method " + c.Method}
	}
	out := callOutput{Index: index, Method: c.Method, Error: r.Err.ErrorString, Type: r.Type, ElapsedUs: r.Elapsed.Microseconds()}
	if r.CallError != nil {
		out.CallError = r.CallError.Error()
	}
	if r.Deadline != nil {
		d := r.Deadline.Format(time.RFC3339Nano)
		out.Deadline = &d
	}
	if r.Verified != nil {
		v := int32(*r.Verified)
		out.Verified = &v
	}
	return out
}

// concurrentMix is used by -concurrent without a scenario: methods whose replies have three
// different Go types, so a reply routed to the wrong call fails to decode and shows up.
func concurrentMix() []scenarioCall {
	return []scenarioCall{
		{Method: "SetWeight", DesiredWeight: 30},
		{Method: "VerifyWeight", DesiredWeight: 30},
		{Method: "Type"},
		{Method: "UpdateHash", CanaryHash: "aaa", StableHash: "bbb"},
	}
}
