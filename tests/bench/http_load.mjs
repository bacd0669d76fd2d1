// Load generator of the `http` benchmark: N concurrent workers make CALLS requests in total and
// print one JSON line {calls, errors, seconds, callsPerSecond, p50Ms, p99Ms}.
//   node http_load.mjs direct URL CA_FILE SECRET CALLS WORKERS     GET URL over HTTPS, bearer SECRET
//   node http_load.mjs mcp URL TOKEN SERVICE PATH CALLS WORKERS    MCP execute GET PATH over Streamable HTTP
// Only Node's own http/https modules with keep-alive agents (one connection per worker), so both
// modes pay the same client costs.
import fs from "node:fs";
import http from "node:http";
import https from "node:https";

const mode = process.argv[2];

function request(lib, agent, url, options, body) {
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { ...options, agent }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    if (body) req.write(body);
    req.end();
  });
}

function percentile(sorted, p) {
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return sorted[rank - 1];
}

async function run(total, workers, makeWorker) {
  const latencies = [];
  let errors = 0;
  let next = 0;
  const loops = [];
  const started = process.hrtime.bigint();
  for (let w = 0; w < workers; ++w) {
    loops.push((async () => {
      const call = await makeWorker(w);
      while (next < total) {
        ++next;
        const t0 = process.hrtime.bigint();
        try {
          if (!(await call())) ++errors;
        } catch {
          ++errors;
        }
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    })());
  }
  await Promise.all(loops);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  return { calls: latencies.length, errors, seconds, callsPerSecond: latencies.length / seconds,
           p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99) };
}

if (mode === "direct") {
  const [url, caFile, secret, calls, workers] = process.argv.slice(3);
  const ca = fs.readFileSync(caFile);
  const result = await run(Number(calls), Number(workers), async () => {
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca });
    return async () => {
      const res = await request(https, agent, url, { method: "GET", headers: { authorization: `Bearer ${secret}` } });
      return res.status === 200;
    };
  });
  console.log(JSON.stringify(result));
} else if (mode === "mcp") {
  const [url, token, service, path, calls, workers] = process.argv.slice(3);
  const base = { "content-type": "application/json", accept: "application/json, text/event-stream",
                 authorization: `Bearer ${token}` };
  const result = await run(Number(calls), Number(workers), async (w) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const init = await request(http, agent, url, { method: "POST", headers: base }, JSON.stringify({
      jsonrpc: "2.0", id: 0, method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: `bench-${w}`, version: "1" } } }));
    const session = init.headers["mcp-session-id"];
    if (init.status !== 200 || !session) throw new Error(`initialize failed: ${init.status} ${init.body}`);
    const headers = { ...base, "mcp-session-id": session, "mcp-protocol-version": "2025-06-18" };
    await request(http, agent, url, { method: "POST", headers },
                  JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }));
    let id = 1;
    return async () => {
      const res = await request(http, agent, url, { method: "POST", headers }, JSON.stringify({
        jsonrpc: "2.0", id: id++, method: "tools/call",
        params: { name: "execute", arguments: { service, method: "GET", path } } }));
      if (res.status !== 200) return false;
      const message = JSON.parse(res.body.toString());
      return message.result && !message.result.isError && message.result.structuredContent.status === 200;
    };
  });
  console.log(JSON.stringify(result));
} else {
  console.error("usage: http_load.mjs direct|mcp ...");
  process.exit(2);
}
