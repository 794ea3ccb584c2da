package main

import (
	"fmt"
	"io"
	"io/ioutil"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"

	"goplugin-peer/pluginrpc"
)

// launched is one plugin process started the way argo-rollouts' client.go starts it: the real
// go-plugin client with the traffic-router handshake, net/rpc only (AllowedProtocols left nil).
type launched struct {
	client   *plugin.Client
	cmd      *exec.Cmd
	protocol plugin.ClientProtocol
	router   *pluginrpc.RouterClient
	ready    time.Duration // exec to a connected client (handshake line read, yamux session up)
}

type launchOptions struct {
	path         string
	args         []string
	stderr       io.Writer // raw plugin stderr lines, as go-plugin copies them
	logLevel     string
	startTimeout time.Duration
	callTimeout  time.Duration
}

func launch(o launchOptions) (*launched, error) {
	cmd := exec.Command(o.path, o.args...)
	stderr := o.stderr
	if stderr == nil {
		stderr = ioutil.Discard
	}
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig: pluginrpc.Handshake,
		Plugins:         map[string]plugin.Plugin{pluginrpc.PluginName: &pluginrpc.RouterPlugin{}},
		Cmd:             cmd,
		Managed:         false,
		StartTimeout:    o.startTimeout,
		Stderr:          stderr,
		Logger: hclog.New(&hclog.LoggerOptions{
			Name: "controller", Output: os.Stderr, Level: hclog.LevelFromString(o.logLevel), JSONFormat: true,
		}),
	})
	started := time.Now()
	protocol, err := client.Client()
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("start: %w", err)
	}
	ready := time.Since(started)
	raw, err := protocol.Dispense(pluginrpc.PluginName)
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("dispense: %w", err)
	}
	router, ok := raw.(*pluginrpc.RouterClient)
	if !ok {
		client.Kill()
		return nil, fmt.Errorf("dispense: unexpected type %T", raw)
	}
	router.Timeout = o.callTimeout
	return &launched{client: client, cmd: cmd, protocol: protocol, router: router, ready: ready}, nil
}

func (l *launched) pid() int { return l.cmd.Process.Pid }

// kill runs go-plugin's Kill (Control.Quit, close the streams, wait up to 2 s, then SIGKILL) and
// reports how long it took and how the process ended.
func (l *launched) kill() (time.Duration, string) {
	started := time.Now()
	l.client.Kill()
	elapsed := time.Since(started)
	// go-plugin waits for the process in the background; give that a moment to record the state.
	deadline := time.Now().Add(3 * time.Second)
	for l.cmd.ProcessState == nil && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if l.cmd.ProcessState == nil {
		return elapsed, "unknown"
	}
	return elapsed, l.cmd.ProcessState.String()
}

// memory reads VmRSS and VmHWM (peak) of the plugin process in KiB.
func memory(pid int) (rss, hwm int64) {
	data, err := ioutil.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return -1, -1
	}
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		value, _ := strconv.ParseInt(fields[1], 10, 64)
		switch fields[0] {
		case "VmRSS:":
			rss = value
		case "VmHWM:":
			hwm = value
		}
	}
	return rss, hwm
}
