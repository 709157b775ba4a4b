#!/usr/bin/env bash
# Start-up of `kse serve` (stdio) against a bare ModelContextProtocol server with one tool (bench/echo-server, the same one bench/per-call compares against),
# measured the same way in the same run: from spawning the process to reading its answer to the first tools/list
# (initialize, notifications/initialized, tools/list). Runs alternate between them; medians and the ratios are printed.
# kse serve is measured twice: as every start after the first one of a build in a workspace (the tools are advertised from
# the catalog that first start wrote under .sce/state/cache/), and as that first start (catalog removed before each run).
#   bench/startup.sh [runs]      (default 15)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-15}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
dotnet build src/Kse.Cli -c Release -o "$out/kse" >"$out/build-kse.log" 2>&1 || { cat "$out/build-kse.log"; exit 1; }
dotnet build bench/echo-server/Kse.EchoServer.csproj -c Release -o "$out/bare" >"$out/build-bare.log" 2>&1 || { cat "$out/build-bare.log"; exit 1; }
cp -r samples "$out/ws"; rm -rf "$out/ws/.sce/state"
python3 - "$runs" "$out" <<'PY'
import json, subprocess, sys, time, statistics
runs, out = int(sys.argv[1]), sys.argv[2]
import shutil
kse = ["dotnet", f"{out}/kse/kse.dll", "serve", "--root", f"{out}/ws"]
servers = {
    "bare SDK server, one tool": ["dotnet", f"{out}/bare/Kse.EchoServer.dll"],
    "kse serve": kse,
    "kse serve, first start": kse,
}
def once(cmd, linger=0.0):
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
    time.sleep(linger)
    p.stdin.close(); p.terminate(); p.wait()
    return elapsed, len(tools)
for cmd in servers.values(): once(cmd, linger=3)  # warm the disk cache once; kse writes its tool catalog
times = {name: [] for name in servers}
for _ in range(runs):
    for name, cmd in servers.items():
        if name.endswith("first start"): shutil.rmtree(f"{out}/ws/.sce/state/cache", ignore_errors=True)
        t, n = once(cmd, linger=3 if name.endswith("first start") else 0); times[name].append(t)
for name, ts in times.items():
    print(f"{name:28s} median {statistics.median(ts)*1000:7.0f} ms   min {min(ts)*1000:6.0f} ms   max {max(ts)*1000:6.0f} ms   ({runs} runs)")
bare = statistics.median(times["bare SDK server, one tool"])
print(f"ratio kse / bare (medians): {statistics.median(times['kse serve'])/bare:.2f}; first start of a build: {statistics.median(times['kse serve, first start'])/bare:.2f}")
PY
