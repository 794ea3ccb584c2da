// Command gobdump writes bytes produced by Go itself (encoding/gob, net/rpc's own client and
// server codecs) into a folder, each NAME.bin beside a NAME.json that says what it holds, for the
// C# decoder and encoder tests. See tests/goplugin-peer/README.md for the layout.
//
//	gobdump -out DIR
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io/ioutil"
	"os"
	"path/filepath"
	"sort"
)

// description is NAME.json.
type description struct {
	File        string   `json:"file"`
	Kind        string   `json:"kind"` // gob | netrpc-client | netrpc-server
	Description string   `json:"description"`
	Bytes       int      `json:"bytes"`
	Parts       []part   `json:"parts"`
	Notes       []string `json:"notes,omitempty"`
}

// part is one Encoder.Encode call (kind gob) or one request/response (kind netrpc-*): its byte
// range in the file, and the value as Go's encoding/json renders it (Go field names).
type part struct {
	Offset        int         `json:"offset"`
	Length        int         `json:"length"`
	GoType        string      `json:"goType"`
	ServiceMethod string      `json:"serviceMethod,omitempty"`
	Seq           *uint64     `json:"seq,omitempty"`
	Error         string      `json:"error,omitempty"`
	Value         interface{} `json:"value"`
}

type dumper struct {
	dir   string
	names []string
}

func (d *dumper) write(name string, data []byte, desc description) {
	desc.File = name + ".bin"
	desc.Bytes = len(data)
	must(ioutil.WriteFile(filepath.Join(d.dir, desc.File), data, 0o644))
	js, err := json.MarshalIndent(desc, "", "  ")
	must(err)
	must(ioutil.WriteFile(filepath.Join(d.dir, name+".json"), append(js, '\n'), 0o644))
	d.names = append(d.names, name)
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "gobdump:", err)
		os.Exit(1)
	}
}

func main() {
	out := flag.String("out", "", "folder to write into (created)")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "usage: gobdump -out DIR")
		os.Exit(64)
	}
	must(os.MkdirAll(*out, 0o755))
	d := &dumper{dir: *out}

	dumpNetRPC(d)
	dumpValues(d)

	sort.Strings(d.names)
	index, err := json.MarshalIndent(d.names, "", "  ")
	must(err)
	must(ioutil.WriteFile(filepath.Join(d.dir, "index.json"), append(index, '\n'), 0o644))
}
