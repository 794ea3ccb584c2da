// Command controller plays the Argo Rollouts controller against a traffic-router plugin file: it
// starts the file with the real go-plugin client and argo-rollouts' handshake, dispenses
// RpcTrafficRouterPlugin, makes the calls of a scenario with full Rollout arguments, and prints
// one JSON line per call on stdout, then pings and kills the plugin the way the controller does.
//
//	controller -plugin PATH [-scenario FILE|-] [-concurrent N] [-big] [-bench N] [-- plugin args...]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"goplugin-peer/rolloutfixture"
)

type options struct {
	launch       launchOptions
	scenarioPath string
	pluginName   string
	concurrent   int
	big          bool
	bigBytes     int
	bench        int
	benchStarts  int
	benchMethod  string
}

func parseFlags() options {
	var o options
	var stderrPath string
	flag.StringVar(&o.launch.path, "plugin", "", "plugin file to run (required)")
	flag.StringVar(&stderrPath, "plugin-stderr", "", "append the plugin's raw stderr lines to this file")
	flag.StringVar(&o.launch.logLevel, "log-level", "warn", "go-plugin client log level (JSON on stderr)")
	flag.DurationVar(&o.launch.startTimeout, "start-timeout", 20*time.Second, "handshake deadline")
	flag.DurationVar(&o.launch.callTimeout, "call-timeout", 30*time.Second, "per-call deadline (the real controller has none)")
	flag.StringVar(&o.scenarioPath, "scenario", "", "scenario JSON file, - for stdin (default: all eight methods once)")
	flag.StringVar(&o.pluginName, "plugin-name", rolloutfixture.DefaultPluginName, "key of this plugin's config in trafficRouting.plugins")
	flag.IntVar(&o.concurrent, "concurrent", 0, "make N calls at once on the one dispensed client")
	flag.BoolVar(&o.big, "big", false, "give the Rollout an annotation so the argument exceeds 256 KiB")
	flag.IntVar(&o.bigBytes, "big-bytes", 300*1024, "size of the -big annotation")
	flag.IntVar(&o.bench, "bench", 0, "benchmark: N sequential calls, then print a JSON summary")
	flag.IntVar(&o.benchStarts, "bench-starts", 20, "benchmark: process starts to time")
	flag.StringVar(&o.benchMethod, "bench-method", "SetWeight", "benchmark: method to call")
	flag.Parse()
	o.launch.args = flag.Args()
	if o.launch.path == "" {
		fmt.Fprintln(os.Stderr, "controller: -plugin is required")
		os.Exit(64)
	}
	if stderrPath != "" {
		f, err := os.OpenFile(stderrPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			fmt.Fprintln(os.Stderr, "controller:", err)
			os.Exit(64)
		}
		o.launch.stderr = &lockedWriter{w: f}
	}
	return o
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

var stdout = json.NewEncoder(os.Stdout)
var stdoutMu sync.Mutex

func emit(v interface{}) {
	stdoutMu.Lock()
	defer stdoutMu.Unlock()
	_ = stdout.Encode(v)
}

func fail(code int, event string, err error) {
	emit(map[string]string{"event": event, "error": err.Error()})
	os.Exit(code)
}

func main() {
	o := parseFlags()
	s, err := readScenario(o.scenarioPath)
	if err != nil {
		fail(64, "scenario-failed", err)
	}
	base := rolloutfixture.DefaultParams()
	base.PluginName = o.pluginName
	if o.big {
		base.BigAnnotation = o.bigBytes
	}
	base, err = mergeParams(base, s.Rollout)
	if err != nil {
		fail(64, "scenario-failed", err)
	}

	if o.bench > 0 {
		runBench(o, base, s)
		return
	}

	l, err := launch(o.launch)
	if err != nil {
		fail(2, "start-failed", err)
	}
	emit(map[string]interface{}{"event": "started", "pid": l.pid(), "readyMs": ms(l.ready), "protocol": string(l.client.Protocol())})

	if o.concurrent > 0 {
		calls := s.Calls
		if o.scenarioPath == "" {
			calls = concurrentMix()
		}
		runConcurrent(l, o.concurrent, calls, base)
	} else {
		for i, c := range s.Calls {
			params, err := mergeParams(base, c.Rollout)
			if err != nil {
				fail(64, "scenario-failed", err)
			}
			emit(run(l.router, i, c, params))
		}
	}

	pingErr := ""
	if err := l.protocol.Ping(); err != nil {
		pingErr = err.Error()
	}
	emit(map[string]string{"event": "ping", "error": pingErr})
	elapsed, exit := l.kill()
	emit(map[string]interface{}{"event": "kill", "elapsedMs": ms(elapsed), "exit": exit})
}

func runConcurrent(l *launched, n int, calls []scenarioCall, base rolloutfixture.Params) {
	var wg sync.WaitGroup
	started := time.Now()
	failures := 0
	var mu sync.Mutex
	for i := 0; i < n; i++ {
		c := calls[i%len(calls)]
		params, err := mergeParams(base, c.Rollout)
		if err != nil {
			fail(64, "scenario-failed", err)
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			out := run(l.router, i, c, params)
			if out.CallError != "" {
				mu.Lock()
				failures++
				mu.Unlock()
			}
			emit(out)
		}(i)
	}
	wg.Wait()
	emit(map[string]interface{}{"event": "concurrent", "calls": n, "callErrors": failures, "elapsedMs": ms(time.Since(started))})
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
