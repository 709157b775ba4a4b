#!/usr/bin/env bash
# Per-call cost of Kse's read tools over stdio, side by side with the echo tool of a bare ModelContextProtocol server
# (bench/echo-server) on the same machine: the TypeScript SDK client, 10 warm-up calls, then 100 calls one at a time, p50.
# Run from the repository root: bench/per-call/run.sh [calls] [warmup]
# Needs the .NET SDK and Node.js; uses the TypeScript SDK from $KSE_TS_SDK, else /tmp/kse-acceptance/node, else installs
# it with npm into a temporary folder.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
calls=${1:-100}; warmup=${2:-10}
out=$(mktemp -d /tmp/kse-percall.XXXXXX)
trap 'rm -rf "$out"' EXIT

sdk=${KSE_TS_SDK:-/tmp/kse-acceptance/node/node_modules/@modelcontextprotocol/sdk}
if [ ! -d "$sdk" ]; then
  (cd "$out" && npm init -y >/dev/null 2>&1 && npm install @modelcontextprotocol/sdk >/dev/null 2>&1)
  sdk="$out/node_modules/@modelcontextprotocol/sdk"
fi

dotnet build "$root/src/Kse.Cli/Kse.Cli.csproj" -c Release -o "$out/kse" >"$out/build-kse.log" 2>&1 || { cat "$out/build-kse.log"; exit 1; }
dotnet build "$root/bench/echo-server/Kse.EchoServer.csproj" -c Release -o "$out/echo" >"$out/build-echo.log" 2>&1 || { cat "$out/build-echo.log"; exit 1; }
ws="$out/ws"; cp -r "$root/samples" "$ws"; rm -rf "$ws/.sce/state"

m() { node "$root/bench/per-call/measure.mjs" "$sdk" "$@"; }
m "bare server" echo '{"text":"hello"}' "$warmup" "$calls" -- dotnet "$out/echo/Kse.EchoServer.dll"
m kse ops_list_projects '{}' "$warmup" "$calls" -- dotnet "$out/kse/kse.dll" serve --root "$ws"
m kse takeover_show '{"project":"billing"}' "$warmup" "$calls" -- dotnet "$out/kse/kse.dll" serve --root "$ws"
m kse policy_explain '{"project":"billing","environment":"production","operation":"restart-service","risk":"normal"}' "$warmup" "$calls" -- dotnet "$out/kse/kse.dll" serve --root "$ws"
m "kse dry run" ops_run '{"project":"billing","operation":"health-check","environment":"test","parameters":{"port":8080},"dryRun":true}' "$warmup" "$calls" -- dotnet "$out/kse/kse.dll" serve --root "$ws"
