/**
 * The MCP tool annotations an upstream gives in tools/list (readOnlyHint, destructiveHint,
 * openWorldHint) reach the classifier through the sidecar's MCP host (issue 14 item 2).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { McpHost } from '../../src/daemon/mcp-host.ts';
import { Correlator } from '../../src/daemon/correlator.ts';
import { createLogger } from '../../src/daemon/logger.ts';
import { FlowEngine } from '../../src/engine/engine.ts';
import { defaultConfig } from '../../src/config/index.ts';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const tmp = mkdtempSync(join(tmpdir(), 'mph-ann-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('annotations from an upstream tools/list reach the classifier; a server with no telling name is judged by them', async (t) => {
  const lines: string[] = [];
  const host = new McpHost({
    stateDir: tmp,
    token: () => 'x'.repeat(32),
    correlator: new Correlator(),
    guard: { check: () => ({ action: 'allow', reason: '' }), record: () => undefined },
    log: createLogger((l) => lines.push(l)),
  });
  t.after(() => host.stop());
  // the team-chat fixture under a name that says nothing: its list_channels says readOnlyHint, post_message openWorldHint
  const cfg = defaultConfig();
  cfg.mcp.servers = {
    acme: { command: process.execPath, args: ['--import', 'tsx', join(ROOT, 'test', 'fixtures', 'team-chat.ts')], cwd: ROOT, env: {} },
  } as typeof cfg.mcp.servers;
  await host.start(cfg.mcp);
  assert.deepEqual(host.annotations('mcp__acme__list_channels'), { readOnlyHint: true }, lines.join('\n'));
  assert.deepEqual(host.annotations('mcp__acme__post_message'), { openWorldHint: true });
  assert.equal(host.annotations('mcp__acme__nope'), undefined);

  // the engine asks the host, as the sidecar wires it
  const e = new FlowEngine(cfg, { seed: 1, toolAnnotations: (n) => host.annotations(n) });
  const post = e.handle(
    {
      hook_event_name: 'PostToolUse',
      session_id: 's',
      tool_name: 'mcp__mcpproxy-hook__acme__post_message',
      tool_input: { channel: 'general', text: 'hi' },
      tool_response: [{ type: 'text', text: 'posted' }],
    },
    1,
  );
  assert.equal(post.classification, 'internal');
  // open world: what it returned counts as untrusted content taken in
  assert.ok(e.session('s')?.untrusted, 'openWorldHint made the output untrusted');
});
