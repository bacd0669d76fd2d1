// Drives keyward's Streamable HTTP endpoint with the official MCP TypeScript SDK and prints one
// JSON line with what it saw. Usage: KEYWARD_TEST_TOKEN=kwa_... node sdk_http_client.mjs URL [TOOL
// [ARGUMENTS_JSON]] (TOOL defaults to list_services). The agent token comes from the environment,
// never argv, and is never printed.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [url, tool = "list_services", argumentsJson = "{}"] = process.argv.slice(2);
const token = process.env.KEYWARD_TEST_TOKEN;
if (!url || !token) {
  process.stderr.write("usage: KEYWARD_TEST_TOKEN=kwa_... node sdk_http_client.mjs URL [TOOL [ARGUMENTS_JSON]]\n");
  process.exit(2);
}
const transport = new StreamableHTTPClientTransport(new URL(url), {
  requestInit: { headers: { Authorization: `Bearer ${token}` } },
});
const client = new Client({ name: "Keyward E2E HTTP Client", version: "1.0.0" });
const out = {};
try {
  await client.connect(transport);
  out.sessionId = transport.sessionId ?? null;
  out.protocolVersion = transport.protocolVersion ?? null;
  out.serverVersion = client.getServerVersion();
  out.capabilities = client.getServerCapabilities();
  out.ping = await client.ping();
  out.tools = (await client.listTools()).tools;
  out.callResult = await client.callTool({ name: tool, arguments: JSON.parse(argumentsJson) });
  await transport.terminateSession();
  out.terminated = transport.sessionId === undefined;
  // The ended session is gone: a request on it fails.
  try {
    const stale = await fetch(url, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${token}`,
        "Content-Type": "application/json",
        Accept: "application/json, text/event-stream",
        "Mcp-Session-Id": out.sessionId,
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 99, method: "ping" }),
    });
    out.staleSessionStatus = stale.status;
  } catch (error) {
    out.staleSessionStatus = String(error);
  }
  await client.close();
  out.ok = true;
} catch (error) {
  out.ok = false;
  out.error = String(error?.stack ?? error);
}
process.stdout.write(JSON.stringify(out) + "\n", () => process.exit(out.ok ? 0 : 1));
