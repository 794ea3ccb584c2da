package main

import (
	"bytes"
	"encoding/gob"
	"math"
	"reflect"
	"time"

	"goplugin-peer/pluginrpc"
	"goplugin-peer/v1alpha1"
)

// gobStream encodes each value with one encoder (as on one stream) and records each Encode's range.
func gobStream(values ...interface{}) ([]byte, []part) {
	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	var parts []part
	for _, v := range values {
		start := buf.Len()
		must(enc.Encode(v))
		parts = append(parts, part{Offset: start, Length: buf.Len() - start, GoType: goType(v), Value: describe(v)})
	}
	return buf.Bytes(), parts
}

// describe makes values encoding/json cannot render (complex numbers) printable.
func describe(v interface{}) interface{} {
	s, ok := v.(Scalars)
	if !ok {
		return v
	}
	fields := map[string]interface{}{}
	rv := reflect.ValueOf(s)
	for i := 0; i < rv.NumField(); i++ {
		fields[rv.Type().Field(i).Name] = rv.Field(i).Interface()
	}
	fields["C128"] = []float64{real(s.C128), imag(s.C128)}
	return fields
}

// Scalars has one field of every gob kind a decoder must read, at awkward values.
type Scalars struct {
	B      bool
	I8     int8
	I16    int16
	I32    int32
	I64    int64
	IMin   int64
	U8     uint8
	U16    uint16
	U64    uint64
	UMax   uint64
	F32    float32
	F64    float64
	F64Neg float64
	C128   complex128
	S      string
	Bytes  []byte
	Arr    [3]int32
	Strs   []string
	Ptr    *int32
	PtrPtr **string
	Iface  interface{}
	When   v1alpha1.Time
	Odd    v1alpha1.Time // offset with seconds: time.Time's binary form version 2
	Zero   v1alpha1.Time // the zero time is still sent (a GobEncoder value is never omitted)
	Dur    v1alpha1.Duration
	Nested struct{ Inner string }
}

// TreeNode is recursive through a slice and through a pointer.
type TreeNode struct {
	Name     string
	Children []TreeNode
	Next     *TreeNode
}

// Link is a singly linked list: depth is only bounded by the sender.
type Link struct {
	Depth int
	Next  *Link
}

func tree() TreeNode {
	leaf := func(n string) TreeNode { return TreeNode{Name: n} }
	return TreeNode{Name: "root", Children: []TreeNode{
		{Name: "a", Children: []TreeNode{leaf("a1"), leaf("a2")}},
		{Name: "b", Next: &TreeNode{Name: "b-next", Children: []TreeNode{leaf("b-next-1")}}},
	}}
}

func chain(depth int) *Link {
	var head *Link
	for i := depth; i >= 1; i-- {
		head = &Link{Depth: i, Next: head}
	}
	return head
}

func scalars() Scalars {
	p := int32(-7)
	s := "via two pointers"
	ps := &s
	return Scalars{
		B: true, I8: -128, I16: -300, I32: 1 << 30, I64: -1, IMin: math.MinInt64,
		U8: 255, U16: 256, U64: 1 << 40, UMax: math.MaxUint64,
		F32: 1.5, F64: 17.0, F64Neg: -0.1, C128: complex(1.5, -2),
		S: "héllo, 世界", Bytes: []byte{0, 1, 2, 0xff}, Arr: [3]int32{0, -1, 2}, Strs: []string{"x", "", "z"},
		Ptr: &p, PtrPtr: &ps, Iface: pluginrpc.RpcError{ErrorString: "inside an interface"},
		When:   v1alpha1.NewTime(time.Date(2026, 11, 25, 19, 30, 0, 5, time.UTC)),
		Odd:    v1alpha1.NewTime(time.Date(1900, 1, 1, 0, 0, 0, 0, time.FixedZone("LMT", 3600+17*60+30))),
		Dur:    v1alpha1.Duration{Duration: 90 * time.Second},
		Nested: struct{ Inner string }{"inner"},
	}
}

func dumpValues(d *dumper) {
	data, parts := gobStream(
		pluginrpc.VerifyWeightResponse{Verified: pluginrpc.Verified},
		pluginrpc.VerifyWeightResponse{Verified: pluginrpc.NotVerified, Err: pluginrpc.RpcError{ErrorString: "canary weight is 20, want 55"}},
		pluginrpc.VerifyWeightResponse{Verified: pluginrpc.NotImplemented})
	d.write("gob-verifyweightresponse", data, description{Kind: "gob",
		Description: "VerifyWeightResponse three times on one encoder: Verified (an int, id 2) and the nested RpcError; the definitions come once.",
		Parts:       parts})

	data, parts = gobStream(pluginrpc.RpcError{}, pluginrpc.RpcError{ErrorString: "SetWeight: spec.http[main] not found"}, "a top-level string", uint32(1), struct{}{})
	d.write("gob-replies", data, description{Kind: "gob",
		Description: "The other reply shapes: RpcError success (no fields), RpcError with text, a string (Type), a uint32 (Dispense), an empty struct (Ping, Quit, error bodies).",
		Parts:       parts})

	data, parts = gobStream(scalars())
	d.write("gob-scalars", data, description{Kind: "gob",
		Description: "One struct with every scalar kind at edge values, pointers (flattened), an array, a byte slice, an interface holding a registered struct, metav1-like Times (GobEncoder) including a version-2 binary time and the zero time, and an anonymous struct type.",
		Parts:       parts,
		Notes:       []string{"C128 is described as [real, imag] because JSON has no complex numbers."}})

	data, parts = gobStream(tree(), tree())
	d.write("gob-recursive", data, description{Kind: "gob",
		Description: "A recursive type (TreeNode refers to itself through []TreeNode and *TreeNode), sent twice: the second value reuses the definitions.",
		Parts:       parts})

	data, parts = gobStream(chain(10000))
	d.write("gob-deep-10000", data, description{Kind: "gob",
		Description: "A linked list 10,000 deep (*Link inside Link), a legal Go value that a decoder with a nesting limit must reject with a clear error rather than overflow its stack.",
		Parts:       []part{{Offset: parts[0].Offset, Length: parts[0].Length, GoType: parts[0].GoType, Value: map[string]int{"depth": 10000}}}})

	data, parts = gobStream(
		map[string]int{"a": 1, "b": -2},
		map[string]v1alpha1.StringMatch{"X-Canary": {Exact: "yes"}, "Path": {Prefix: "/api"}},
		map[int32]string{-1: "minus one", 300: "three hundred"},
		map[string]string{},
		map[string][]byte{"apisixplugin/apisix": []byte(`{"routes":[{"name":"r"}]}`)})
	d.write("gob-maps", data, description{Kind: "gob",
		Description: "Top-level maps: string->int, string->struct, int32->string, an empty map (still sent), and the Rollout plugins map's shape (string -> JSON bytes, described here as base64).",
		Parts:       parts,
		Notes:       []string{"Go map iteration order is random: compare maps as sets."}})

	var nilAny interface{}
	data, parts = gobStream(&nilAny, anyArg(int64(-3)), anyArg("text"), anyArg(pluginrpc.RpcError{ErrorString: "e"}),
		anyArg(pluginrpc.SetWeightAndVerifyWeightArgs{DesiredWeight: 5}))
	d.write("gob-interfaces", data, description{Kind: "gob",
		Description: "Top-level interface values (encoded through *interface{} as net/rpc does): nil, int64, string, and two registered structs; the registered names are argo-rollouts' (RpcError, SetWeightAndVerifyWeightArgs).",
		Parts:       parts,
		Notes:       []string{"int64 and string have no registered name of their own: gob sends their built-in names \"int64\" and \"string\"."}})
}
