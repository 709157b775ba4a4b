#!/usr/bin/env bash
# Start-up of `kse serve` (stdio) against a bare ModelContextProtocol server with one tool (bench/BareMcpServer),
# measured the same way in the same run: from spawning the process to reading its answer to the first tools/list
# (initialize, notifications/initialized, tools/list). Runs alternate between the two; medians and the ratio are printed.
#   bench/startup.sh [runs]      (default 15)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-15}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
dotnet build src/Kse.Cli -c Release -o "$out/kse" >"$out/build-kse.log" 2>&1 || { cat "$out/build-kse.log"; exit 1; }
dotnet build bench/BareMcpServer -c Release -o "$out/bare" >"$out/build-bare.log" 2>&1 || { cat "$out/build-bare.log"; exit 1; }
cp -r samples "$out/ws"; rm -rf "$out/ws/.sce/state"
python3 - "$runs" "$out" <<'PY'
import json, subprocess, sys, time, statistics
runs, out = int(sys.argv[1]), sys.argv[2]
servers = {
    "bare SDK server, one tool": ["dotnet", f"{out}/bare/BareMcpServer.dll"],
    "kse serve": ["dotnet", f"{out}/kse/kse.dll", "serve", "--root", f"{out}/ws"],
}
def once(cmd):
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
    def send(m): p.stdin.write(json.dumps(m) + "\n"); p.stdin.flush()
    def answer(i):
        while True:
            line = p.stdout.readline()
            if not line: raise RuntimeError(f"{cmd} closed stdout")
            m = json.loads(line)
            if m.get("id") == i: return m
    send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}})
    answer(1)
    send({"jsonrpc": "2.0", "method": "notifications/initialized"})
    send({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
    tools = answer(2)["result"]["tools"]
    elapsed = time.perf_counter() - start
    p.stdin.close(); p.terminate(); p.wait()
    return elapsed, len(tools)
for cmd in servers.values(): once(cmd)  # warm the disk cache once
times = {name: [] for name in servers}
for _ in range(runs):
    for name, cmd in servers.items():
        t, n = once(cmd); times[name].append(t)
for name, ts in times.items():
    print(f"{name:28s} median {statistics.median(ts)*1000:7.0f} ms   min {min(ts)*1000:6.0f} ms   max {max(ts)*1000:6.0f} ms   ({runs} runs)")
bare = statistics.median(times["bare SDK server, one tool"]); kse = statistics.median(times["kse serve"])
print(f"ratio kse / bare (medians): {kse/bare:.2f}")
PY
