// Drives `keyward mcp` with the official MCP TypeScript SDK over stdio and prints one JSON line
// with what it saw. Usage: node sdk_stdio_client.mjs /path/to/keyward [extra keyward args...]
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const [keyward, ...extra] = process.argv.slice(2);
const stderrChunks = [];
const transport = new StdioClientTransport({
  command: keyward,
  args: ["mcp", ...extra],
  env: { ...process.env },
  stderr: "pipe",
});
transport.stderr?.on("data", (chunk) => stderrChunks.push(chunk.toString()));

const client = new Client({ name: "Keyward E2E Client", version: "1.0.0" });
const out = {};
try {
  await client.connect(transport);
  out.serverVersion = client.getServerVersion();
  out.protocolVersion = transport._protocolVersion ?? null;
  out.capabilities = client.getServerCapabilities();
  out.instructions = client.getInstructions();
  out.ping = await client.ping();
  const tools = await client.listTools();
  out.tools = tools.tools;
  out.callResult = await client.callTool({ name: "list_services", arguments: {} });
  out.ping2 = await client.ping();
  await client.close();
  out.ok = true;
} catch (error) {
  out.ok = false;
  out.error = String(error?.stack ?? error);
}
out.stderr = stderrChunks.join("");
// Exit only once the whole line is written: a pipe takes 64 KiB at a time.
process.stdout.write(JSON.stringify(out) + "\n", () => process.exit(out.ok ? 0 : 1));
