import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, configDocs, configJsonSchema, defaultConfig, parseConfigText, validateConfig } from '../../src/config/index.ts';

const problems = (raw: unknown): string[] => {
  try {
    validateConfig(raw, 'c.json');
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    return e.problems;
  }
  return [];
};

test('empty config gives every default', () => {
  const c = validateConfig({});
  assert.deepEqual(c, defaultConfig());
  assert.equal(c.policy.sensitiveToExternal, 'deny');
  assert.equal(c.policy.internalToExternal, 'ask');
  assert.equal(c.session.idleMinutes, 30);
  assert.ok(c.policy.suspiciousEndpoints.includes('webhook.site'));
});

test('partial sections keep the other defaults', () => {
  const c = validateConfig({ policy: { internalToExternal: 'warn' } });
  assert.equal(c.policy.internalToExternal, 'warn');
  assert.equal(c.policy.sensitiveToExternal, 'deny');
  assert.ok(c.policy.suspiciousEndpoints.length > 10);
});

test('errors name the key and the fix', () => {
  const p = problems({ policy: { internalToExternal: 'block', sensitveToExternal: 'deny' }, session: { idleMinutes: 0 }, bogus: 1 });
  assert.ok(
    p.some((x) => x.startsWith('policy.internalToExternal: "block" is not allowed; use one of allow, warn, ask, deny')),
    p.join('\n'),
  );
  assert.ok(
    p.some((x) => x.includes('policy.sensitveToExternal: unknown key (did you mean "sensitiveToExternal"?)')),
    p.join('\n'),
  );
  assert.ok(
    p.some((x) => x.startsWith('session.idleMinutes: 0 is not allowed; use a whole number from 1')),
    p.join('\n'),
  );
  assert.ok(
    p.some((x) => x.startsWith('bogus: unknown key')),
    p.join('\n'),
  );
});

test('the hook deadline must stay below the Claude Code timeout', () => {
  const p = problems({ hook: { timeoutSeconds: 2, deadlineMs: 5000 } });
  assert.ok(
    p.some((x) => x.includes('hook.deadlineMs')),
    p.join('\n'),
  );
});

test('invalid JSON names the line', () => {
  assert.throws(
    () => parseConfigText('{\n  "policy": {\n    "x": 1,\n  }\n}', 'c.json'),
    (e: unknown) => e instanceof ConfigError && /line \d/.test(e.message) && e.message.includes('c.json'),
  );
});

test('upstream servers are checked like .mcp.json entries', () => {
  const c = validateConfig({
    mcp: {
      servers: {
        db: { command: 'node', args: ['db.js'], env: { A: 'b' }, classification: 'internal' },
        chat: { type: 'streamable-http', url: 'http://127.0.0.1:9/mcp' },
      },
    },
  });
  assert.equal(c.mcp.servers.db?.command, 'node');
  assert.equal(c.mcp.servers.chat?.type, 'http');
  const p = problems({ mcp: { servers: { x: { args: 'no' }, y: { command: 'a', url: 'http://h' }, z: { command: 'a', clasification: 'internal' } } } });
  assert.ok(
    p.some((x) => x.startsWith('mcp.servers.x: needs "command"')),
    p.join('\n'),
  );
  assert.ok(
    p.some((x) => x.startsWith('mcp.servers.x.args')),
    p.join('\n'),
  );
  assert.ok(
    p.some((x) => x.startsWith('mcp.servers.y: has both')),
    p.join('\n'),
  );
  assert.ok(
    p.some((x) => x.includes('did you mean "classification"')),
    p.join('\n'),
  );
});

test('every key is documented', () => {
  const docs = configDocs();
  assert.ok(docs.length >= 20);
  for (const d of docs) assert.ok(d.doc.length > 10, d.key);
});

test('names the user chooses cannot reach Object.prototype', () => {
  const c = validateConfig({ policy: { toolActions: { constructor: 'deny', WebFetch: 'warn' } }, classification: { servers: { toString: 'internal' } } });
  assert.equal(c.policy.toolActions.constructor, 'deny');
  assert.equal(c.policy.toolActions.WebFetch, 'warn');
  assert.equal(c.classification.servers.toString, 'internal');
  const d = defaultConfig();
  // a lookup of a name that is not configured finds nothing, even for names Object.prototype has
  assert.equal(d.policy.toolActions.constructor, undefined);
  assert.equal(d.policy.serverActions.hasOwnProperty, undefined);
  assert.equal(d.classification.tools.__proto__, undefined);
  assert.equal(d.mcp.servers.valueOf, undefined);
});

test('comment keys are allowed anywhere; $schema at the top', () => {
  const c = validateConfig({ $schema: './config.schema.json', '//': 'a note', policy: { _comment: 'x', internalToExternal: 'warn' } });
  assert.equal(c.policy.internalToExternal, 'warn');
  assert.equal(Object.hasOwn(c, '$schema'), false);
});

test('the JSON Schema for editors comes from the same schema, with defaults and docs', () => {
  const js = configJsonSchema() as { properties: Record<string, { properties: Record<string, { default?: unknown; description?: string; enum?: string[] }> }> };
  const leaf = js.properties.policy?.properties.internalToExternal;
  assert.equal(leaf?.default, 'ask');
  assert.deepEqual(leaf?.enum, ['allow', 'warn', 'ask', 'deny']);
  assert.ok((leaf?.description ?? '').length > 10);
  assert.equal(js.properties.session?.properties.idleMinutes?.default, 30);
});

test('domain lists take host names: a URL, a port or a path is refused with the host to write', () => {
  const problems = (hosts: unknown[]): string[] => {
    try {
      validateConfig({ policy: { trustedHosts: hosts } });
      return [];
    } catch (e) {
      return (e as ConfigError).problems;
    }
  };
  assert.deepEqual(problems(['git.corp.example', '*.corp.example', '.corp.example', 'CORP.example', '10.0.0.5', '::1', 'localhost']), []);
  const [url, port, path, junk] = [
    problems(['https://git.corp.example/org/']),
    problems(['git.corp.example:8443']),
    problems(['git.corp.example/org']),
    problems(['not a host']),
  ];
  assert.match(url.join(), /policy\.trustedHosts.*"https:\/\/git\.corp\.example\/org\/" is a URL.*write "git\.corp\.example"/);
  assert.match(port.join(), /has a port.*write "git\.corp\.example"/);
  assert.match(path.join(), /has a path.*write "git\.corp\.example"/);
  assert.match(junk.join(), /"not a host" is not a host name/);
  // the suspicious-endpoint lists are domain lists too
  assert.throws(() => validateConfig({ policy: { extraSuspiciousEndpoints: ['https://bin.example/x'] } }), /extraSuspiciousEndpoints.*write "bin\.example"/);
  assert.deepEqual(
    defaultConfig().policy.suspiciousEndpoints.filter((d) => d.includes('/')),
    [],
  );
});
