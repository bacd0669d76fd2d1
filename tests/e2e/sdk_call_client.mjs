// Runs a plan of tool calls against `keyward mcp` with the official MCP SDK over stdio and prints
// one JSON line: {ok, results: [CallToolResult...], stderr}.
// Usage: node sdk_call_client.mjs /path/to/keyward PLAN.json [extra keyward mcp args...]
// PLAN.json: [{"name": "execute", "arguments": {...}}, ...]
import fs from "node:fs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const [keyward, planFile, ...extra] = process.argv.slice(2);
const plan = JSON.parse(fs.readFileSync(planFile, "utf8"));
const stderrChunks = [];
const transport = new StdioClientTransport({
  command: keyward,
  args: ["mcp", ...extra],
  env: { ...process.env },
  stderr: "pipe",
});
transport.stderr?.on("data", (chunk) => stderrChunks.push(chunk.toString()));

const client = new Client({ name: "Keyward E2E Client", version: "1.0.0" });
const out = { results: [] };
try {
  await client.connect(transport);
  for (const step of plan) {
    try {
      out.results.push(await client.callTool({ name: step.name, arguments: step.arguments }));
    } catch (error) {
      out.results.push({ clientError: String(error?.message ?? error) });
    }
  }
  await client.close();
  out.ok = true;
} catch (error) {
  out.ok = false;
  out.error = String(error?.stack ?? error);
}
out.stderr = stderrChunks.join("");
// Exit only once the whole line is written: a pipe takes 64 KiB at a time.
process.stdout.write(JSON.stringify(out) + "\n", () => process.exit(out.ok ? 0 : 1));
