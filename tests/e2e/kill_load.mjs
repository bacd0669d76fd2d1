// The kill switch under load: WORKERS concurrent MCP agents over Streamable HTTP call `execute`
// GET PATH in a loop; after KILL_AFTER_MS this script runs `keyward kill` (the binary and the
// home come from argv and the environment) and the workers go on for a while. Prints one JSON line:
//   {calls: [{start, end, outcome}], killStart, killEnd, killExit}
// with times in ms since the script started and outcome "ok", or the `error` of an isError result,
// or "protocol:<message>". Usage: KEYWARD_TEST_TOKEN=kwa_... node kill_load.mjs KEYWARD URL SERVICE
// PATH WORKERS KILL_AFTER_MS RUN_MS
import http from "node:http";
import { spawn } from "node:child_process";

const [keyward, url, service, path, workersArg, killAfterArg, runArg] = process.argv.slice(2);
const token = process.env.KEYWARD_TEST_TOKEN;
const workers = Number(workersArg), killAfter = Number(killAfterArg), runFor = Number(runArg);
const t0 = performance.now();
const now = () => performance.now() - t0;

function post(agent, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", agent, headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const base = { "content-type": "application/json", accept: "application/json, text/event-stream",
               authorization: `Bearer ${token}` };
const calls = [];
let stop = false;

async function worker(w) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const init = await post(agent, base, JSON.stringify({ jsonrpc: "2.0", id: 0, method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: `load-${w}`, version: "1" } } }));
  const headers = { ...base, "mcp-session-id": init.headers["mcp-session-id"], "mcp-protocol-version": "2025-06-18" };
  await post(agent, headers, JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }));
  let id = 1;
  while (!stop) {
    const call = { start: now() };
    try {
      const res = await post(agent, headers, JSON.stringify({ jsonrpc: "2.0", id: id++, method: "tools/call",
        params: { name: "execute", arguments: { service, method: "GET", path } } }));
      const message = JSON.parse(res.body);
      if (message.error) call.outcome = "protocol:" + message.error.message;
      else if (message.result.isError) call.outcome = JSON.parse(message.result.content[0].text).error;
      else call.outcome = "ok";
    } catch (error) {
      call.outcome = "protocol:" + error.message;
    }
    call.end = now();
    calls.push(call);
  }
}

const out = {};
const running = [];
for (let w = 0; w < workers; ++w) running.push(worker(w));
await new Promise((r) => setTimeout(r, killAfter));
out.killStart = now();
out.killExit = await new Promise((resolve) => {
  const child = spawn(keyward, ["kill"], { stdio: ["ignore", "ignore", "inherit"] });
  child.on("exit", (code) => resolve(code));
});
out.killEnd = now();
await new Promise((r) => setTimeout(r, runFor));
stop = true;
await Promise.all(running);
out.calls = calls;
process.stdout.write(JSON.stringify(out) + "\n", () => process.exit(0));
