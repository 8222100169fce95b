import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalToolName, classifyServerName, classifyTool, parseMcpName, words } from '../../src/engine/classifier.ts';

const none = { servers: {}, tools: {} };

test('built-in tools of Claude Code 2.1.330', () => {
  for (const t of ['Read', 'Write', 'Edit', 'NotebookEdit', 'Agent', 'Skill', 'ToolSearch', 'Grep', 'Glob']) {
    const c = classifyTool(t, none);
    assert.equal(c.destination, 'internal', t);
    assert.equal(c.method, 'builtin');
  }
  assert.equal(classifyTool('WebFetch', none).destination, 'external');
  assert.equal(classifyTool('WebFetch', none).source, 'external');
  assert.equal(classifyTool('WebSearch', none).destination, 'external');
  const bash = classifyTool('Bash', none);
  assert.equal(bash.source, 'internal');
  assert.equal(bash.destination, 'hybrid');
});

test('server names are matched by words, not substrings', () => {
  assert.equal(classifyServerName('feedback-bot').cls, 'unknown'); // "db" is not a word here
  assert.equal(classifyServerName('digitalocean').cls, 'unknown'); // no "git" substring match
  assert.equal(classifyServerName('gmail').cls, 'external');
  assert.equal(classifyServerName('team-chat').cls, 'external');
  assert.equal(classifyServerName('customer-db').cls, 'internal');
  assert.equal(classifyServerName('customerDB').cls, 'internal');
  assert.equal(classifyServerName('postgres').cls, 'internal');
  assert.equal(classifyServerName('slackbot').cls, 'external');
  assert.equal(classifyServerName('github').cls, 'hybrid');
  assert.equal(classifyServerName('slack-db-sync').cls, 'hybrid');
});

test('mcp names parse into server and tool', () => {
  assert.deepEqual(parseMcpName('mcp__github__get_file'), { server: 'github', tool: 'get_file' });
  assert.deepEqual(parseMcpName('mcp__a__b__c'), { server: 'a', tool: 'b__c' });
  assert.equal(parseMcpName('mcp__broken'), null);
  assert.equal(parseMcpName('Read'), null);
  assert.deepEqual(words('myCustomerDB-v2'), ['my', 'customer', 'db', 'v2']);
});

test('hybrid servers: readers are internal destinations, writers external', () => {
  assert.equal(classifyTool('mcp__github__get_file_contents', none).destination, 'internal');
  assert.equal(classifyTool('mcp__github__create_issue', none).destination, 'external');
  assert.equal(classifyTool('mcp__github__create_issue', none).source, 'internal');
});

test('config overrides win: tool over server over heuristics', () => {
  const cfg = { servers: { 'Feedback-Bot': 'external' as const }, tools: { mcp__gmail__draft: 'internal' as const } };
  const a = classifyTool('mcp__feedback-bot__post', cfg);
  assert.equal(a.destination, 'external');
  assert.equal(a.method, 'config');
  assert.equal(classifyTool('mcp__gmail__draft', cfg).destination, 'internal');
  assert.equal(classifyTool('mcp__gmail__send', cfg).destination, 'external');
  assert.equal(classifyTool('Bash', { servers: {}, tools: { Bash: 'internal' } }).destination, 'internal');
});

test('unknown tools and servers stay unknown', () => {
  const c = classifyTool('mcp__acme__do_thing', none);
  assert.equal(c.destination, 'unknown');
  assert.equal(c.server, 'acme');
  assert.equal(classifyTool('SomeFutureTool', none).destination, 'unknown');
});

test('tools reached through our proxy classify by their upstream server', () => {
  const c = classifyTool('mcp__mcpproxy-hook__team-chat__post_message', none);
  assert.equal(c.server, 'team-chat');
  assert.equal(c.tool, 'post_message');
  assert.equal(c.destination, 'external');
  assert.equal(canonicalToolName('mcp__mcpproxy-hook__customer-db__query_customers'), 'mcp__customer-db__query_customers');
  assert.equal(canonicalToolName('mcp__other__x__y'), 'mcp__other__x__y');
  assert.equal(classifyTool('mcp__mcpproxy-hook__customer-db__query_customers', { servers: {}, tools: { 'mcp__customer-db__query_customers': 'internal' } }).method, 'config');
});

test('names that are Object.prototype keys are ordinary unknown names', () => {
  for (const n of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) {
    const c = classifyTool(n, none);
    assert.equal(c.destination, 'unknown', n);
    const m = classifyTool(`mcp__${n}__send`, none);
    assert.equal(typeof m.destination, 'string');
    if (!n.startsWith('_')) assert.equal(m.server, n);
  }
});
