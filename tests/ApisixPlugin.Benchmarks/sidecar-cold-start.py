#!/usr/bin/env python3
"""Sidecar cold start: from exec to the Unix socket accepting a connection, N runs.

Usage: sidecar-cold-start.py <apisix-plugin file> [runs]
The sidecar needs no API server to start serving (it reads routes per call), so a kubeconfig
that names an unreachable server is enough. Polls the socket every 0.5 ms; prints one line.
"""
import os, socket, statistics, subprocess, sys, tempfile, time

binary = sys.argv[1]
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
folder = tempfile.mkdtemp(prefix="apisixplugin-cold-")
kubeconfig = os.path.join(folder, "kubeconfig")
with open(kubeconfig, "w") as f:
    f.write("apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:1', insecure-skip-tls-verify: true}}]\n"
            "users: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n")
times = []
for i in range(runs):
    path = os.path.join(folder, f"s{i}.sock")
    started = time.perf_counter()
    process = subprocess.Popen([binary, "serve", "--socket", path, "--kubeconfig", kubeconfig, "--metrics-port", "0"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            with socket.socket(socket.AF_UNIX) as s:
                s.connect(path)
            break
        except OSError:
            if time.perf_counter() - started > 10:
                process.kill()
                sys.exit(f"run {i}: the socket did not accept within 10 s")
            time.sleep(0.0005)
    times.append((time.perf_counter() - started) * 1000)
    process.terminate()
    process.wait()
times.sort()
print(f"sidecar exec to serving, {runs} runs: median {statistics.median(times):.1f} ms, min {times[0]:.1f}, max {times[-1]:.1f}")
