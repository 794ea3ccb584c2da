package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/rpc"
	"reflect"
	"sync"
	"time"

	"goplugin-peer/pluginrpc"
	"goplugin-peer/rolloutfixture"
	"goplugin-peer/v1alpha1"
)

// captureConn records what net/rpc's own client writes. rpc.Client.Go encodes and flushes the
// request before it returns, so the buffer length after each Go is that request's end.
type captureConn struct {
	buf    bytes.Buffer
	closed chan struct{}
	once   sync.Once
}

func newCaptureConn() *captureConn { return &captureConn{closed: make(chan struct{})} }

func (c *captureConn) Write(p []byte) (int, error) { return c.buf.Write(p) }
func (c *captureConn) Read([]byte) (int, error)    { <-c.closed; return 0, io.EOF }
func (c *captureConn) Close() error                { c.once.Do(func() { close(c.closed) }); return nil }

type request struct {
	method string
	args   interface{} // what argo-rollouts passes: a pointer to an `any`, or a plain value for Control
	value  interface{} // for the description
}

// clientStream encodes requests as one net/rpc client would on one stream (one gob encoder).
func clientStream(requests []request) ([]byte, []part) {
	conn := newCaptureConn()
	client := rpc.NewClient(conn)
	var parts []part
	for i, r := range requests {
		start := conn.buf.Len()
		client.Go(r.method, r.args, new(struct{}), make(chan *rpc.Call, 1))
		seq := uint64(i)
		parts = append(parts, part{Offset: start, Length: conn.buf.Len() - start, GoType: goType(r.value),
			ServiceMethod: r.method, Seq: &seq, Value: r.value})
	}
	_ = client.Close()
	return append([]byte(nil), conn.buf.Bytes()...), parts
}

func goType(v interface{}) string {
	if v == nil {
		return "nil interface"
	}
	return reflect.TypeOf(v).String()
}

func anyArg(v interface{}) *interface{} { return &v }

// replayConn feeds a server one request at a time and waits for its response before handing out
// the next, so that net/rpc's real server codec answers in a fixed order and each response's byte
// range is known. A response is complete once the codec's flush has written it and nothing more
// arrives for a moment (every response here is below bufio's 4 KiB, so it is one Write).
type replayConn struct {
	requests [][]byte
	next     int
	pending  []byte
	mu       sync.Mutex
	out      bytes.Buffer
	wrote    chan struct{}
	ends     []int
}

func newReplayConn(requests [][]byte) *replayConn {
	return &replayConn{requests: requests, wrote: make(chan struct{}, 64)}
}

func (c *replayConn) Read(p []byte) (int, error) {
	if len(c.pending) == 0 {
		if c.next > 0 {
			c.awaitResponse()
		}
		if c.next == len(c.requests) {
			return 0, io.EOF
		}
		c.pending = c.requests[c.next]
		c.next++
	}
	n := copy(p, c.pending)
	c.pending = c.pending[n:]
	return n, nil
}

func (c *replayConn) awaitResponse() {
	select {
	case <-c.wrote:
	case <-time.After(10 * time.Second):
		must(fmt.Errorf("no response to request %d (responses so far: %v, out %d bytes)", c.next-1, c.ends, c.out.Len()))
	}
	for settled := false; !settled; {
		select {
		case <-c.wrote:
		case <-time.After(30 * time.Millisecond):
			settled = true
		}
	}
	c.mu.Lock()
	c.ends = append(c.ends, c.out.Len())
	c.mu.Unlock()
}

func (c *replayConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	n, _ := c.out.Write(p)
	c.mu.Unlock()
	c.wrote <- struct{}{}
	return n, nil
}

func (c *replayConn) Close() error { return nil }

// serverStream answers the requests with a real net/rpc server and returns its bytes.
func serverStream(server *rpc.Server, requests []byte, reqParts []part, replies []part) ([]byte, []part) {
	var chunks [][]byte
	for _, p := range reqParts {
		chunks = append(chunks, requests[p.Offset:p.Offset+p.Length])
	}
	conn := newReplayConn(chunks)
	server.ServeConn(conn)
	if len(conn.ends) != len(reqParts) {
		must(fmt.Errorf("server answered %d of %d requests", len(conn.ends), len(reqParts)))
	}
	start := 0
	for i, end := range conn.ends {
		replies[i].Offset, replies[i].Length = start, end-start
		start = end
	}
	return append([]byte(nil), conn.out.Bytes()...), replies
}

// expectedReply calls the receiver's method directly, as the server will, to describe the reply.
func expectedReply(receiver interface{}, r request) part {
	seq := uint64(0)
	name := r.method[len("Plugin."):]
	if dot := bytes.IndexByte([]byte(r.method), '.'); dot >= 0 {
		name = r.method[dot+1:]
	}
	method := reflect.ValueOf(receiver).MethodByName(name)
	if !method.IsValid() {
		return part{ServiceMethod: r.method, Seq: &seq, GoType: "struct {}", Value: struct{}{},
			Error: "rpc: can't find method " + r.method}
	}
	argType := method.Type().In(0)
	var arg reflect.Value
	switch {
	case r.value == nil:
		arg = reflect.Zero(argType)
	case argType.Kind() == reflect.Interface:
		ptr := reflect.New(reflect.TypeOf(r.value))
		ptr.Elem().Set(reflect.ValueOf(r.value))
		arg = ptr
	default:
		arg = reflect.ValueOf(r.value)
	}
	reply := reflect.New(method.Type().In(1).Elem())
	errs := method.Call([]reflect.Value{arg, reply})
	p := part{ServiceMethod: r.method, Seq: &seq, GoType: reply.Elem().Type().String(), Value: reply.Elem().Interface()}
	if err, _ := errs[0].Interface().(error); err != nil {
		p.Error, p.GoType, p.Value = err.Error(), "struct {}", struct{}{}
	}
	return p
}

// scriptedRouter gives every reply shape: success, an RpcError, Verified and NotVerified.
type scriptedRouter struct{}

func (scriptedRouter) InitPlugin() pluginrpc.RpcError { return pluginrpc.RpcError{} }
func (scriptedRouter) UpdateHash(*v1alpha1.Rollout, string, string, []v1alpha1.WeightDestination) pluginrpc.RpcError {
	return pluginrpc.RpcError{}
}
func (scriptedRouter) SetWeight(*v1alpha1.Rollout, int32, []v1alpha1.WeightDestination) pluginrpc.RpcError {
	return pluginrpc.RpcError{}
}
func (scriptedRouter) SetHeaderRoute(ro *v1alpha1.Rollout, r *v1alpha1.SetHeaderRoute) pluginrpc.RpcError {
	return pluginrpc.RpcError{ErrorString: fmt.Sprintf("ApisixRoute %s/checkout-route: managed route %q is owned by another Rollout", ro.Namespace, r.Name)}
}
func (scriptedRouter) SetMirrorRoute(*v1alpha1.Rollout, *v1alpha1.SetMirrorRoute) pluginrpc.RpcError {
	return pluginrpc.RpcError{}
}
func (scriptedRouter) VerifyWeight(_ *v1alpha1.Rollout, weight int32, _ []v1alpha1.WeightDestination) (pluginrpc.RpcVerified, pluginrpc.RpcError) {
	if weight == 20 {
		return pluginrpc.Verified, pluginrpc.RpcError{}
	}
	return pluginrpc.NotVerified, pluginrpc.RpcError{ErrorString: "ApisixRoute shop/checkout-route rule main: canary weight is 20, want 55"}
}
func (scriptedRouter) RemoveManagedRoutes(*v1alpha1.Rollout) pluginrpc.RpcError {
	return pluginrpc.RpcError{}
}
func (scriptedRouter) Type() string { return "apisix" }

// controlStub and dispenserStub have the signatures of go-plugin's Control and Dispenser services.
type controlStub struct{}

func (controlStub) Ping(_ bool, _ *struct{}) error { return nil }
func (controlStub) Quit(_ bool, _ *struct{}) error { return nil }

type dispenserStub struct{}

func (dispenserStub) Dispense(name string, id *uint32) error {
	if name != pluginrpc.PluginName {
		return fmt.Errorf("unknown plugin type: %s", name)
	}
	*id = 1
	return nil
}

func pluginSession(ro v1alpha1.Rollout) []request {
	extra := []v1alpha1.WeightDestination{{Weight: 10, ServiceName: "checkout-experiment", PodTemplateHash: "9a8b7c6d5"}}
	header := v1alpha1.SetHeaderRoute{Name: "checkout-header", Match: []v1alpha1.HeaderRoutingMatch{
		{HeaderName: "X-Canary", HeaderValue: &v1alpha1.StringMatch{Exact: "yes"}},
		{HeaderName: "User-Agent", HeaderValue: &v1alpha1.StringMatch{Regex: ".*Mobile.*"}}}}
	pct := int32(35)
	mirror := v1alpha1.SetMirrorRoute{Name: "checkout-mirror", Percentage: &pct, Match: []v1alpha1.RouteMatch{
		{Method: &v1alpha1.StringMatch{Exact: "GET"}, Path: &v1alpha1.StringMatch{Prefix: "/api/"},
			Headers: map[string]v1alpha1.StringMatch{"X-Debug": {Exact: "1"}}}}}
	values := []struct {
		method string
		value  interface{}
	}{
		{"Plugin.InitPlugin", nil},
		{"Plugin.Type", nil},
		{"Plugin.UpdateHash", pluginrpc.UpdateHashArgs{Rollout: ro, CanaryHash: "7d9f8c6b5", StableHash: "5c4b3a291"}},
		{"Plugin.SetWeight", pluginrpc.SetWeightAndVerifyWeightArgs{Rollout: ro, DesiredWeight: 20, AdditionalDestinations: extra}},
		{"Plugin.VerifyWeight", pluginrpc.SetWeightAndVerifyWeightArgs{Rollout: ro, DesiredWeight: 20, AdditionalDestinations: extra}},
		{"Plugin.VerifyWeight", pluginrpc.SetWeightAndVerifyWeightArgs{Rollout: ro, DesiredWeight: 55}},
		{"Plugin.SetHeaderRoute", pluginrpc.SetHeaderArgs{Rollout: ro, SetHeaderRoute: header}},
		{"Plugin.SetMirrorRoute", pluginrpc.SetMirrorArgs{Rollout: ro, SetMirrorRoute: mirror}},
		{"Plugin.RemoveManagedRoutes", pluginrpc.RemoveManagedRoutesArgs{Rollout: ro}},
		{"Plugin.GetWeightUpdateDeadline", pluginrpc.GetWeightUpdateDeadlineArgs{Rollout: ro}},
		{"Plugin.ClearWeightUpdateDeadline", pluginrpc.ClearWeightUpdateDeadlineArgs{Rollout: ro}},
		// Not nil: Go's own server, discarding the body of an unknown method, reads one message
		// too many after a nil interface (gob's ignoreInterface) and would wait for the next request.
		{"Plugin.NoSuchMethod", pluginrpc.RemoveManagedRoutesArgs{Rollout: ro}},
	}
	var requests []request
	for _, v := range values {
		requests = append(requests, request{method: v.method, args: anyArg(v.value), value: v.value})
	}
	return requests
}

// writeSetWeight dumps one SetWeight(20) of ro on a fresh stream.
func (d *dumper) writeSetWeight(name string, ro v1alpha1.Rollout, what string) {
	args := pluginrpc.SetWeightAndVerifyWeightArgs{Rollout: ro, DesiredWeight: 20}
	data, parts := clientStream([]request{{method: "Plugin.SetWeight", args: anyArg(args), value: args}})
	d.write(name, data, description{Kind: "netrpc-client", Description: what, Parts: parts})
}

func dumpNetRPC(d *dumper) {
	ro := rolloutfixture.Build(rolloutfixture.DefaultParams())
	session := pluginSession(ro)

	data, parts := clientStream(session)
	d.write("netrpc-client-plugin-session", data, description{Kind: "netrpc-client",
		Description: "The Plugin stream as argo-rollouts' client writes it: every method in turn on one net/rpc client (one gob encoder), each argument assigned to an `any` and passed by pointer. Type definitions appear once, in the first request that needs them.",
		Parts:       parts,
		Notes: []string{"Plugin.NoSuchMethod is not an argo-rollouts method: the server's reply shows net/rpc's error response.",
			"GetWeightUpdateDeadline and ClearWeightUpdateDeadline exist only on argo-rollouts' main branch."}})

	receiver := &pluginrpc.RouterServer{Impl: scriptedRouter{}}
	var replies []part
	for _, r := range session {
		replies = append(replies, expectedReply(receiver, r))
	}
	for i := range replies {
		replies[i].Seq = parts[i].Seq
	}
	server := rpc.NewServer()
	must(server.RegisterName("Plugin", receiver))
	out, replies := serverStream(server, data, parts, replies)
	d.write("netrpc-server-plugin-session", out, description{Kind: "netrpc-server",
		Description: "Go net/rpc's own server (argo-rollouts' RPC receiver shape over a scripted router) answering netrpc-client-plugin-session, one response per request in the same order: Response header then reply value, one gob encoder. These are the bytes a Go client is known to accept.",
		Parts:       replies})

	for _, r := range session[2:9] {
		data, parts := clientStream([]request{r})
		d.write("netrpc-client-"+r.method[len("Plugin."):]+"-fresh", data, description{Kind: "netrpc-client",
			Description: "One request on a fresh stream, so the bytes carry every type definition the argument needs.",
			Parts:       parts})
	}

	big := rolloutfixture.DefaultParams()
	big.BigAnnotation = 300 * 1024
	d.writeSetWeight("netrpc-client-SetWeight-big", rolloutfixture.Build(big),
		"SetWeight whose Rollout carries a 300 KiB annotation (example.com/big): larger than yamux's 256 KiB initial window.")

	// Every field the bridge's mapper reads, set: ping-pong services and the stable one, a
	// maximum weight, another plugin's config beside this one's, status weights.
	full := rolloutfixture.DefaultParams()
	maxWeight := int32(1000)
	full.MaxTrafficWeight = &maxWeight
	full.PingPong = &rolloutfixture.PingPong{PingService: "checkout-ping", PongService: "checkout-pong", StablePingPong: "pong"}
	full.Plugins = map[string]json.RawMessage{"someone/else": json.RawMessage(`{"other":true}`)}
	full.StatusWeights = &v1alpha1.TrafficWeights{Canary: v1alpha1.WeightDestination{ServiceName: "checkout-ping", Weight: 20},
		Stable: v1alpha1.WeightDestination{ServiceName: "checkout-pong", Weight: 80}}
	d.writeSetWeight("netrpc-client-SetWeight-pingpong", rolloutfixture.Build(full),
		"SetWeight of a ping-pong Rollout with maxTrafficWeight 1000, another plugin's config and status weights: every field the bridge reads is set.")

	control := []request{
		{method: "Dispenser.Dispense", args: pluginrpc.PluginName, value: pluginrpc.PluginName},
		{method: "Control.Ping", args: true, value: true},
		{method: "Dispenser.Dispense", args: "NoSuchPlugin", value: "NoSuchPlugin"},
		{method: "Control.Quit", args: true, value: true},
	}
	data, parts = clientStream(control)
	d.write("netrpc-client-control", data, description{Kind: "netrpc-client",
		Description: "go-plugin's control stream (yamux stream 1) as its client writes it: Dispense, Ping, a Dispense of an unknown name, Quit. Arguments are plain values (string, bool), not interfaces.",
		Parts:       parts})
	controlServer := rpc.NewServer()
	must(controlServer.RegisterName("Control", controlStub{}))
	must(controlServer.RegisterName("Dispenser", dispenserStub{}))
	var controlReplies []part
	for i, r := range control {
		receiver := interface{}(controlStub{})
		if r.method[:9] == "Dispenser" {
			receiver = dispenserStub{}
		}
		p := expectedReply(receiver, r)
		p.Seq = parts[i].Seq
		controlReplies = append(controlReplies, p)
	}
	out, controlReplies = serverStream(controlServer, data, parts, controlReplies)
	d.write("netrpc-server-control", out, description{Kind: "netrpc-server",
		Description: "Go net/rpc answering netrpc-client-control with go-plugin's Control/Dispenser signatures: Dispense -> uint32 1, Ping/Quit -> struct{}, unknown plugin -> Response.Error and an empty struct body.",
		Parts:       controlReplies})
}
