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
  // chat and mail servers read private data and can send: hybrid, not external
  assert.equal(classifyServerName('gmail').cls, 'hybrid');
  assert.equal(classifyServerName('team-chat').cls, 'hybrid');
  assert.equal(classifyServerName('brave-search').cls, 'external');
  assert.equal(classifyServerName('customer-db').cls, 'internal');
  assert.equal(classifyServerName('customerDB').cls, 'internal');
  assert.equal(classifyServerName('postgres').cls, 'internal');
  assert.equal(classifyServerName('slackbot').cls, 'hybrid');
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

test('a server nobody classified is hybrid: output private, sends checked, reads not', () => {
  const c = classifyTool('mcp__acme__do_thing', none);
  assert.equal(c.source, 'internal', 'its output is recorded, never dropped');
  assert.equal(c.destination, 'external', 'its input is checked, never waved through');
  assert.equal(c.sink, 'project', "naming nobody, it writes to the user's own space there");
  assert.equal(c.server, 'acme');
  assert.equal(c.method, 'default');
  const r = classifyTool('mcp__acme__get_user_information', none);
  assert.equal(r.source, 'internal');
  assert.equal(r.destination, 'internal');
  // a recipient in the arguments makes it a send to someone, whatever the server
  const pay = classifyTool('mcp__acme__reserve', none, { input: { iban: 'US133000000121212121212', amount: 10 } });
  assert.equal(pay.destination, 'external');
  assert.equal(pay.sink, undefined);
  const b = classifyTool('mcp__bank__send_money', none, { input: { recipient: 'US1330', amount: 1 } });
  assert.equal(b.family, 'finance');
  assert.equal(b.destination, 'external');
  assert.equal(b.sink, undefined);
  // a future built-in tool: its output is recorded; its input is under the *ToUnknown policies
  const f = classifyTool('SomeFutureTool', none);
  assert.equal(f.source, 'internal');
  assert.equal(f.destination, 'unknown');
});

test('chat and mail: what they return is private and untrusted; a send names its recipient', () => {
  const read = classifyTool('mcp__slack__read_channel_messages', none, { input: { channel: 'general' } });
  assert.deepEqual([read.source, read.destination, read.untrusted, read.family], ['internal', 'internal', true, 'chat']);
  const dm = classifyTool('mcp__slack__send_direct_message', none, { input: { recipient: 'Alice', body: 'hi' } });
  assert.deepEqual([dm.source, dm.destination, dm.sink], ['internal', 'external', undefined]);
  const post = classifyTool('mcp__slack__send_channel_message', none, { input: { channel: 'general', body: 'hi' } });
  assert.equal(post.destination, 'external');
  assert.equal(post.sink, undefined, "a message to a channel is a send, not a write to the user's own space");
  const mail = classifyTool('mcp__gmail__search_emails', none, { input: { query: 'x' } });
  assert.deepEqual([mail.source, mail.destination, mail.untrusted, mail.family], ['internal', 'internal', true, 'mail']);
  assert.equal(classifyTool('mcp__gmail__send_email', none, { input: { recipients: ['a@b.example'] } }).destination, 'external');
  // a server with no telling name but a telling tool name
  const wa = classifyTool('mcp__acme__get_received_sms_messages', none);
  assert.equal(wa.family, 'chat');
  assert.equal(wa.untrusted, true);
});

test("databases, drives and trackers: private output; writes with no recipient go to the user's own space", () => {
  const q = classifyTool('mcp__postgres__query', none, { input: { sql: 'select 1' } });
  assert.deepEqual([q.source, q.destination, q.untrusted], ['internal', 'internal', false]);
  const x = classifyTool('mcp__supabase__execute_sql', none, { input: { query: 'update t set a=1' } });
  assert.deepEqual([x.source, x.destination, x.sink], ['internal', 'external', 'project']);
  const create = classifyTool('mcp__google-drive__create_file', none, { input: { filename: 'a', content: 'b' } });
  assert.deepEqual([create.family, create.destination, create.sink], ['drive', 'external', 'project']);
  const share = classifyTool('mcp__google-drive__share_file', none, { input: { file_id: '1', email: 'x@y.example' } });
  assert.deepEqual([share.destination, share.sink], ['external', undefined]);
  const local = classifyTool('mcp__serena__replace_symbol_body', none);
  assert.deepEqual([local.source, local.destination], ['internal', 'internal']);
});

test('web pages, search results and public docs are public and untrusted', () => {
  for (const t of ['mcp__fetch__fetch', 'mcp__context7__get-library-docs', 'mcp__web-browser__navigate_to']) {
    const c = classifyTool(t, none, { input: { url: 'https://x.example' } });
    assert.deepEqual([c.source, c.destination, c.untrusted], ['external', 'external', true], t);
  }
  const s = classifyTool('mcp__brave-search__brave_web_search', none, { input: { query: 'x' } });
  assert.deepEqual([s.source, s.sink], ['external', 'search']);
  const ws = classifyTool('WebSearch', none);
  assert.equal(ws.sink, 'search');
  assert.equal(ws.untrusted, true);
});

test('MCP annotations refine a server nobody classified, never turn a send into a read', () => {
  const ro = classifyTool('mcp__acme__thing', none, { annotations: { readOnlyHint: true } });
  assert.equal(ro.destination, 'internal');
  assert.equal(ro.method, 'annotations');
  const dx = classifyTool('mcp__acme__thing', none, { annotations: { readOnlyHint: false, destructiveHint: true } });
  assert.equal(dx.destination, 'external');
  // a server that says its send tool is read-only is not believed
  const lie = classifyTool('mcp__acme__send_report', none, { annotations: { readOnlyHint: true } });
  assert.equal(lie.destination, 'external');
  const lie2 = classifyTool('mcp__acme__thing', none, { annotations: { readOnlyHint: true }, input: { to: 'x@y.example' } });
  assert.equal(lie2.destination, 'external');
  // open world: what it returns may be written by anyone
  assert.equal(classifyTool('mcp__acme__get_thing', none, { annotations: { openWorldHint: true } }).untrusted, true);
  assert.equal(classifyTool('mcp__acme__get_thing', none).untrusted, false);
});

test("the event's mcp_server field names the server (plugin servers, config overrides)", () => {
  const c = classifyTool('mcp__plugin_tools_mailer__send', none, { mcpServer: { name: 'gmail', source: 'plugin' } });
  assert.equal(c.server, 'gmail');
  assert.equal(c.family, 'mail');
  const o = classifyTool('mcp__plugin_x_crm__export', { servers: { crm: 'external' }, tools: {} }, { mcpServer: { name: 'crm', source: 'plugin' } });
  assert.equal(o.method, 'config');
  assert.equal(o.destination, 'external');
});

test('Claude Code 2.1.332 built-ins: bookkeeping stays, senders are external', () => {
  const stay = [
    'TaskCreate',
    'TaskGet',
    'TaskList',
    'TaskUpdate',
    'TaskStop',
    'AskUserQuestion',
    'CronCreate',
    'CronDelete',
    'CronList',
    'EnterPlanMode',
    'ExitPlanMode',
    'EnterWorktree',
    'ExitWorktree',
    'ListAgents',
    'LSP',
    'SendMessage',
    'SendUserMessage',
    'SendUserFile',
    'SetGoal',
    'Skill',
    'SubagentHandback',
    'ToolSearch',
    'WaitForMcpServers',
    'Workflow',
    'ScheduleWakeup',
    'ReportFindings',
    'propose_skills',
    'EndConversation',
    'OfferChromeSetup',
    'ShowOnboardingRolePicker',
  ];
  for (const t of stay) {
    const c = classifyTool(t, none);
    assert.deepEqual([c.source, c.destination, c.method], ['internal', 'internal', 'builtin'], t);
  }
  for (const t of ['PushNotification', 'SendFeedback', 'RemoteTrigger', 'ShareOnboardingGuide', 'Artifact']) {
    assert.equal(classifyTool(t, none).destination, 'external', t);
  }
  assert.equal(classifyTool('PushNotification', none).sink, 'user');
  // what MCP resources and queued notifications hold is private, and written by others
  for (const t of ['ReadMcpResourceTool', 'ListMcpResourcesTool', 'ReadNotifications']) {
    const c = classifyTool(t, none);
    assert.deepEqual([c.source, c.destination, c.untrusted], ['internal', 'internal', true], t);
  }
});

test('built-ins whose destination depends on the call: Monitor, Artifact, Projects, RemoteTrigger', () => {
  const sh = classifyTool('Monitor', none, { input: { command: 'tail -f log', description: 'x', timeout_ms: 1 } });
  assert.equal(sh.destination, 'hybrid', 'a shell command is analysed like Bash');
  const ws = classifyTool('Monitor', none, { input: { ws: { url: 'wss://x.example/feed' }, description: 'x', timeout_ms: 1 } });
  assert.deepEqual([ws.source, ws.destination, ws.untrusted], ['external', 'external', true]);
  const pub = classifyTool('Artifact', none, { input: { file_path: 'report.html' } });
  assert.equal(pub.destination, 'external');
  assert.deepEqual(pub.uploads, ['report.html']);
  const up = classifyTool('Artifact', none, { input: { action: 'upload_asset', url: 'https://claude.ai/artifact/1', file_paths: ['a.png', 'b.csv'] } });
  assert.deepEqual(up.uploads, ['a.png', 'b.csv']);
  assert.equal(classifyTool('Artifact', none, { input: { action: 'list' } }).destination, 'internal');
  const pw = classifyTool('Projects', none, { input: { method: 'project_write', local_path: 'notes.md' } });
  assert.deepEqual([pw.destination, pw.sink, pw.uploads], ['external', 'project', ['notes.md']]);
  assert.equal(classifyTool('Projects', none, { input: { method: 'project_search', query: 'x' } }).destination, 'internal');
  assert.equal(classifyTool('RemoteTrigger', none, { input: { action: 'list' } }).destination, 'internal');
  assert.equal(classifyTool('RemoteTrigger', none, { input: { action: 'create', body: {} } }).destination, 'external');
});

test('tools reached through our proxy classify by their upstream server', () => {
  const c = classifyTool('mcp__mcpproxy-hook__team-chat__post_message', none);
  assert.equal(c.server, 'team-chat');
  assert.equal(c.tool, 'post_message');
  assert.equal(c.destination, 'external');
  assert.equal(canonicalToolName('mcp__mcpproxy-hook__customer-db__query_customers'), 'mcp__customer-db__query_customers');
  assert.equal(canonicalToolName('mcp__other__x__y'), 'mcp__other__x__y');
  // the plugin's proxy: Claude Code names a plugin's servers plugin_<plugin>_<server>
  assert.equal(canonicalToolName('mcp__plugin_mcpproxy-hook_mcpproxy-hook__customer-db__query_customers'), 'mcp__customer-db__query_customers');
  assert.equal(
    canonicalToolName('mcp__plugin_other_mcpproxy-hook__customer-db__query_customers'),
    'mcp__plugin_other_mcpproxy-hook__customer-db__query_customers',
    'another plugin is not our proxy',
  );
  assert.equal(
    classifyTool('mcp__mcpproxy-hook__customer-db__query_customers', { servers: {}, tools: { 'mcp__customer-db__query_customers': 'internal' } }).method,
    'config',
  );
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
