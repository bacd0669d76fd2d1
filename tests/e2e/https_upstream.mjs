// A real HTTPS API on 127.0.0.1 for end-to-end tests. It records every request it receives (one
// JSON line per request in LOGFILE) and answers according to the path:
//   /leak/...      reflects the credential it received (Authorization, X-Api-Key or ?api_key)
//                  in many encodings, in headers and in a body sent in small chunks
//   /redirect      302 to another host
//   /binary        256 bytes 0x00..0xff, application/octet-stream
//   /big?n=N       N bytes of text
//   /slow?ms=M     answers after M ms
//   /drip?ms=M     sends 200, its headers and a first chunk at once, the rest after M ms
//   /sse?ms=M      three server-sent events (the second holds the credential, split across writes), M ms apart
//   /status/N      answers with status N
//   anything else  echoes {method, path, query, headers, body} as JSON
// Usage: node https_upstream.mjs CERT KEY LOGFILE   prints {"port":N} when listening.
import https from "node:https";
import fs from "node:fs";

const [certFile, keyFile, logFile] = process.argv.slice(2);

function credentialOf(req, url) {
  const auth = req.headers["authorization"] ?? "";
  if (auth.startsWith("Bearer ")) return auth.slice(7);
  if (auth.startsWith("Basic ")) return Buffer.from(auth.slice(6), "base64").toString("utf8");
  if (req.headers["x-api-key"]) return req.headers["x-api-key"].replace(/^Token /, "");
  return url.searchParams.get("api_key") ?? "";
}

const server = https.createServer({ cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) }, (req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", async () => {
    const body = Buffer.concat(chunks);
    const url = new URL(req.url, "https://127.0.0.1");
    // Routes are the same under an optional /v1 prefix (services with a base path).
    const route = url.pathname.replace(/^\/v1(?=\/)/, "");
    fs.appendFileSync(logFile, JSON.stringify({
      method: req.method, rawUrl: req.url, path: url.pathname, query: url.search,
      headers: req.headers, rawHeaders: req.rawHeaders, body: body.toString("base64"),
    }) + "\n");

    if (route.startsWith("/leak")) {
      const secret = credentialOf(req, url);
      const forms = {
        raw: secret,
        base64: Buffer.from(secret).toString("base64"),
        base64url: Buffer.from(secret).toString("base64url"),
        inBase64Blob: Buffer.from("xx" + secret + "yyy").toString("base64"),
        urlEncoded: encodeURIComponent(secret),
        jsonEscaped: JSON.stringify(secret).slice(1, -1).replace(/\//g, "\\/"),
        basicHeader: req.headers["authorization"] ?? "",
      };
      const text = JSON.stringify({ forms, secret });
      res.writeHead(200, {
        "content-type": "application/json",
        "x-echo-key": secret,
        "x-echo-b64": forms.base64,
        "set-cookie": "session=" + forms.base64url,
      });
      // Small chunks with pauses so the secret arrives split across network reads.
      for (let i = 0; i < text.length; i += 7) {
        res.write(text.slice(i, i + 7));
        await new Promise((r) => setTimeout(r, 1));
      }
      res.end();
      return;
    }
    if (route === "/sse") {
      // Server-sent events as LLM APIs stream them, the secret split across writes.
      const secret = credentialOf(req, url);
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      const events = [`data: {"delta":"hello"}\n\n`, `data: {"delta":"${secret}"}\n\n`, `data: [DONE]\n\n`];
      for (const event of events) {
        for (let i = 0; i < event.length; i += 5) {
          res.write(event.slice(i, i + 5));
          await new Promise((r) => setTimeout(r, 2));
        }
        await new Promise((r) => setTimeout(r, Number(url.searchParams.get("ms") ?? "20")));
      }
      res.end();
      return;
    }
    if (route === "/redirect") {
      res.writeHead(302, { location: "https://evil.example/steal" });
      res.end("moved");
      return;
    }
    if (route === "/binary") {
      res.writeHead(200, { "content-type": "application/octet-stream" });
      res.end(Buffer.from([...Array(256).keys()]));
      return;
    }
    if (route === "/big") {
      const n = Number(url.searchParams.get("n") ?? "1000");
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("a".repeat(n));
      return;
    }
    if (route === "/slow") {
      await new Promise((r) => setTimeout(r, Number(url.searchParams.get("ms") ?? "1000")));
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("late");
      return;
    }
    if (route === "/drip") {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("first chunk;");
      await new Promise((r) => setTimeout(r, Number(url.searchParams.get("ms") ?? "1000")));
      res.end("rest");
      return;
    }
    const status = route.match(/^\/status\/(\d{3})$/);
    if (status) {
      res.writeHead(Number(status[1]), { "content-type": "application/json" });
      res.end(JSON.stringify({ status: Number(status[1]) }));
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({
      method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams),
      headers: req.headers, body: body.toString("utf8"),
    }));
  });
});

server.listen(0, "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + "\n");
});
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
