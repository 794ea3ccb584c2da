package main

import (
	"bufio"
	"bytes"
	"encoding/gob"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"goplugin-peer/pluginrpc"
	"goplugin-peer/rolloutfixture"
	"goplugin-peer/v1alpha1"
)

// benchSummary is the one JSON line -bench prints. Latencies are per call as the controller's
// goroutine sees them (gob encode, yamux, plugin, reply decode).
type benchSummary struct {
	Mode                string   `json:"mode"`
	Plugin              string   `json:"plugin"`
	Args                []string `json:"args"`
	Method              string   `json:"method"`
	ArgumentBytes       int      `json:"argumentBytes"`
	Calls               int      `json:"calls"`
	CallErrors          int      `json:"callErrors"`
	FirstError          string   `json:"firstError,omitempty"`
	MedianUs            float64  `json:"medianUs"`
	P99Us               float64  `json:"p99Us"`
	MeanUs              float64  `json:"meanUs"`
	CallsPerSec         float64  `json:"callsPerSec"`
	ParallelCallsPerSec float64  `json:"parallelCallsPerSec"`
	Parallelism         int      `json:"parallelism"`
	Starts              int      `json:"starts"`
	HandshakeLineMs     timing   `json:"handshakeLineMs"`
	ClientReadyMs       timing   `json:"clientReadyMs"`
	RssKiB              int64    `json:"rssKiB"`
	PeakRssKiB          int64    `json:"peakRssKiB"`
}

type timing struct {
	Median float64 `json:"median"`
	P90    float64 `json:"p90"`
	Min    float64 `json:"min"`
}

func timingOf(samples []time.Duration) timing {
	if len(samples) == 0 {
		return timing{-1, -1, -1}
	}
	sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
	at := func(q float64) float64 { return ms(samples[int(q*float64(len(samples)-1))]) }
	return timing{Median: at(0.5), P90: at(0.9), Min: ms(samples[0])}
}

func runBench(o options, base rolloutfixture.Params, s scenario) {
	sum := benchSummary{Mode: "bench", Plugin: o.launch.path, Args: o.launch.args, Method: o.benchMethod, Calls: o.bench, Starts: o.benchStarts, Parallelism: 8}
	if sum.Args == nil {
		sum.Args = []string{}
	}

	// Interleaved, so that cache warmth and machine noise fall on both measures alike.
	var handshakeSamples, readySamples []time.Duration
	for i := 0; i < o.benchStarts; i++ {
		d, err := handshakeLine(o.launch)
		if err != nil {
			fail(2, "bench-failed", err)
		}
		handshakeSamples = append(handshakeSamples, d)
		l, err := launch(o.launch)
		if err != nil {
			fail(2, "bench-failed", err)
		}
		readySamples = append(readySamples, l.ready)
		l.kill()
	}
	sum.HandshakeLineMs = timingOf(handshakeSamples)
	sum.ClientReadyMs = timingOf(readySamples)

	l, err := launch(o.launch)
	if err != nil {
		fail(2, "bench-failed", err)
	}
	defer l.kill()
	ro := rolloutfixture.Build(base)
	call := benchCall(l.router, o.benchMethod, &ro)
	sum.ArgumentBytes = argumentSize(o.benchMethod, ro)

	warmup := o.bench / 10
	if warmup < 50 {
		warmup = 50
	}
	for i := 0; i < warmup; i++ {
		call()
	}
	latencies := make([]time.Duration, 0, o.bench)
	started := time.Now()
	for i := 0; i < o.bench; i++ {
		r := call()
		if r.CallError != nil || r.Err.ErrorString != "" {
			sum.CallErrors++
			if sum.FirstError == "" {
				sum.FirstError = r.Err.ErrorString
			}
		}
		latencies = append(latencies, r.Elapsed)
	}
	total := time.Since(started)
	sum.CallsPerSec = float64(o.bench) / total.Seconds()
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	sum.MedianUs = us(latencies[len(latencies)/2])
	sum.P99Us = us(latencies[int(0.99*float64(len(latencies)-1))])
	sum.MeanUs = us(total) / float64(o.bench)

	var wg sync.WaitGroup
	per := o.bench / sum.Parallelism
	started = time.Now()
	for g := 0; g < sum.Parallelism; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < per; i++ {
				call()
			}
		}()
	}
	wg.Wait()
	sum.ParallelCallsPerSec = float64(per*sum.Parallelism) / time.Since(started).Seconds()

	sum.RssKiB, sum.PeakRssKiB = memory(l.pid())
	emit(sum)
}

func us(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1000 }

func benchCall(r *pluginrpc.RouterClient, method string, ro *v1alpha1.Rollout) func() pluginrpc.CallResult {
	switch method {
	case "Type":
		return r.Type
	case "InitPlugin":
		return r.InitPlugin
	case "VerifyWeight":
		return func() pluginrpc.CallResult { return r.VerifyWeight(ro, 20, nil) }
	default:
		return func() pluginrpc.CallResult { return r.SetWeight(ro, 20, nil) }
	}
}

// argumentSize is the gob size of the argument with its type definitions, as on a fresh stream.
func argumentSize(method string, ro v1alpha1.Rollout) int {
	if method == "Type" || method == "InitPlugin" {
		return 0
	}
	var buf bytes.Buffer
	var args interface{} = pluginrpc.SetWeightAndVerifyWeightArgs{Rollout: ro, DesiredWeight: 20}
	if err := gob.NewEncoder(&buf).Encode(&args); err != nil {
		return -1
	}
	return buf.Len()
}

// handshakeLine times exec -> first stdout line, the way go-plugin's client sees the plugin start,
// without connecting; the process is then SIGKILLed and its socket removed.
func handshakeLine(o launchOptions) (time.Duration, error) {
	cmd := exec.Command(o.path, o.args...)
	cmd.Env = append(os.Environ(), pluginrpc.Handshake.MagicCookieKey+"="+pluginrpc.Handshake.MagicCookieValue,
		"PLUGIN_MIN_PORT=10000", "PLUGIN_MAX_PORT=25000", "PLUGIN_PROTOCOL_VERSIONS=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	started := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	elapsed := time.Since(started)
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	if err != nil {
		return 0, fmt.Errorf("no handshake line: %w", err)
	}
	parts := strings.Split(strings.TrimSpace(line), "|")
	if len(parts) < 5 {
		return 0, fmt.Errorf("bad handshake line %q", line)
	}
	if parts[2] == "unix" {
		_ = os.Remove(parts[3])
	}
	return elapsed, nil
}
