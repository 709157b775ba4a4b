// Per-call cost as an MCP client sees it: the TypeScript SDK client over stdio, N calls after W warm-up calls, one at a
// time; prints the p50 and p90 of each tool's round trip in milliseconds as JSON lines.
// usage: node measure.mjs <sdk-dir> <label> <tool> <args-json> <warmup> <calls> -- <server command...>
import { pathToFileURL } from "node:url";
import path from "node:path";

const [sdkDir, label, tool, argsJson, warmupText, callsText, sep, ...server] = process.argv.slice(2);
if (sep !== "--" || server.length === 0) {
  console.error("usage: node measure.mjs <sdk-dir> <label> <tool> <args-json> <warmup> <calls> -- <server command...>");
  process.exit(2);
}
const load = (p) => import(pathToFileURL(path.join(sdkDir, "dist/esm", p)).href);
const { Client } = await load("client/index.js");
const { StdioClientTransport } = await load("client/stdio.js");

const transport = new StdioClientTransport({ command: server[0], args: server.slice(1), stderr: "ignore" });
const client = new Client({ name: "kse-bench", version: "1.0.0" });
await client.connect(transport);
await client.listTools();
const args = JSON.parse(argsJson);
const call = async () => {
  const r = await client.callTool({ name: tool, arguments: args });
  if (r.isError) throw new Error(`${tool} failed: ${JSON.stringify(r.content)}`);
};
for (let i = 0; i < Number(warmupText); i++) await call();
const times = [];
for (let i = 0; i < Number(callsText); i++) {
  const t0 = process.hrtime.bigint();
  await call();
  times.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
await client.close();
times.sort((a, b) => a - b);
const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
console.log(JSON.stringify({ label, tool, calls: times.length, p50: +q(0.5).toFixed(3), p90: +q(0.9).toFixed(3) }));
