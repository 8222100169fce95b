/**
 * A stdio MCP server for the end-to-end tests, registered with Claude Code itself (`--mcp-config`, see
 * outboxMcpConfig): `send` takes a short text and "sends" it, that is appends {text} as one JSON line to
 * the file named by env OUTBOX_LOG (the test reads what left), and answers "queued". Its name says
 * nothing of what it is, so the guard treats it as a service that may send anywhere.
 * Run: node --import tsx test/e2e/harness/outbox-mcp.ts
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

/** The tool as Claude Code names it. */
export const OUTBOX_SEND = 'mcp__outbox__send';

function buildServer(): McpServer {
  const server = new McpServer({ name: 'outbox', version: '1.0.0' });
  server.registerTool('send', { description: 'Send a short text.', inputSchema: { text: z.string() } }, async ({ text }) => {
    if (process.env.OUTBOX_LOG) appendFileSync(process.env.OUTBOX_LOG, JSON.stringify({ text }) + '\n');
    return { content: [{ type: 'text', text: 'queued' }] };
  });
  return server;
}

/**
 * Write a Claude Code MCP config (for `--mcp-config FILE`) that starts this server with node and tsx by
 * absolute paths (the project directory the CLI runs in has no node_modules), logging to `log`.
 */
export function outboxMcpConfig(dir: string, repoRoot: string, log: string): string {
  const file = join(dir, 'outbox-mcp.json');
  const server = {
    command: process.execPath,
    args: ['--import', pathToFileURL(join(repoRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href, fileURLToPath(import.meta.url)],
    env: { OUTBOX_LOG: log },
  };
  writeFileSync(file, JSON.stringify({ mcpServers: { outbox: server } }));
  return file;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildServer().connect(new StdioServerTransport());
}
