/**
 * Provider token rules: for each, a token in the provider's documented shape is found (its exact
 * span, its label), and the near misses are not: too short, a placeholder body, the prefix glued
 * to a longer word. Tokens are built at run time from a seeded PRNG, so the repository holds no
 * string that looks like a live key to a scanner.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RULES, scanText } from '../../src/engine/detector.ts';
import { seededStrings } from '../helpers/random.ts';

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const ALNUM = UPPER + LOWER + DIGITS;
const HEX = '0123456789abcdef';
const B64 = ALNUM + '+/';

const rand = seededStrings(1);
const j = (...parts: string[]): string => parts.join('');
const b64json = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64').replace(/=+$/, '');

interface Case {
  id: string;
  label: RegExp;
  /** a token in the documented shape */
  make: () => string;
  /** near misses that must not be reported by this rule */
  not: Array<() => string>;
}

const CASES: Case[] = [
  {
    id: 'sentry-token',
    label: /Sentry/,
    make: () => j('sntry', 's_', b64json({ iat: 1, url: 'https://sentry.io', region_url: 'https://us.sentry.io', org: 'acme' }), '_', rand(43, B64)),
    not: [() => j('sntry', 's_', b64json({ iat: 1 }), '_', rand(20))],
  },
  {
    id: 'sentry-token',
    label: /Sentry/,
    make: () => j('sntry', 'u_', rand(64, HEX)),
    not: [() => j('sntry', 'u_', rand(40, HEX)), () => j('sntry', 'u_', 'x'.repeat(64))],
  },
  {
    id: 'grafana-token',
    label: /Grafana token/,
    make: () => j('gl', 'c_', b64json({ o: '123456', n: 'stack-1', k: rand(24), m: { r: 'us' } })),
    not: [() => j('gl', 'c_', 'x'.repeat(48)), () => j('myglc_', rand(40))],
  },
  {
    id: 'grafana-token',
    label: /Grafana token/,
    make: () => j('gl', 'sa_', rand(32), '_', rand(8, HEX)),
    not: [() => j('gl', 'sa_', rand(20), '_', rand(8, HEX))],
  },
  { id: 'grafana-token', label: /Grafana API key/, make: () => b64json({ k: rand(32), n: 'deploy', id: 1 }), not: [() => j('eyJr', 'Ijoi', 'x'.repeat(70))] },
  {
    id: 'postman-key',
    label: /Postman/,
    make: () => j('PM', 'AK-', rand(24, HEX), '-', rand(34, HEX)),
    not: [() => j('PM', 'AK-', rand(24, HEX)), () => j('XPM', 'AK-', rand(24, HEX), '-', rand(34, HEX))],
  },
  {
    id: 'newrelic-key',
    label: /New Relic API key/,
    make: () => j('NR', 'AK-', rand(27, UPPER + DIGITS)),
    not: [() => j('NR', 'AK-', rand(20, UPPER + DIGITS)), () => j('NR', 'AK-', 'X'.repeat(27))],
  },
  { id: 'newrelic-key', label: /New Relic API key/, make: () => j('NR', 'II-', rand(32, ALNUM)), not: [() => j('NR', 'II-', rand(12))] },
  { id: 'newrelic-key', label: /New Relic license key/, make: () => j(rand(36, HEX), 'NR', 'AL'), not: [() => j(rand(20, HEX), 'NR', 'AL')] },
  {
    id: 'doppler-token',
    label: /Doppler/,
    make: () => j('dp', '.st.', 'prd.', rand(40)),
    not: [() => j('dp', '.st.', rand(20)), () => j('dp', '.pt.', 'x'.repeat(43))],
  },
  { id: 'doppler-token', label: /Doppler/, make: () => j('dp', '.pt.', rand(43)), not: [] },
  { id: 'pulumi-token', label: /Pulumi/, make: () => j('pu', 'l-', rand(40, HEX)), not: [() => j('pu', 'l-', rand(30, HEX)), () => j('rpul-', rand(40, HEX))] },
  {
    id: 'terraform-cloud-token',
    label: /Terraform/,
    make: () => j(rand(14), '.atlas', 'v1.', rand(67, ALNUM + '_-')),
    not: [() => j(rand(14), '.atlas', 'v1.', rand(30))],
  },
  { id: 'notion-token', label: /Notion/, make: () => j('nt', 'n_', rand(11, DIGITS), rand(35)), not: [() => j('nt', 'n_', rand(20))] },
  {
    id: 'notion-token',
    label: /Notion/,
    make: () => j('sec', 'ret_', rand(43)),
    not: [() => j('sec', 'ret_', 'key_for_the_session_cookie_signing_thing_abc')],
  },
  {
    id: 'perplexity-key',
    label: /Perplexity/,
    make: () => j('pp', 'lx-', rand(48)),
    not: [() => j('pp', 'lx-', rand(30)), () => j('pp', 'lx-', 'x'.repeat(48))],
  },
  { id: 'heroku-key', label: /Heroku/, make: () => j('HR', 'KU-', 'AA', rand(58, ALNUM + '_-')), not: [() => j('HR', 'KU-', rand(20))] },
  {
    id: 'telegram-bot-token',
    label: /Telegram/,
    make: () => j(rand(10, '123456789'), ':', 'AA', rand(33, ALNUM + '_-')),
    not: [() => j('ratio ', rand(10, '123456789'), ' ', 'AA', rand(33)), () => j('12:', 'AA', rand(33))],
  },
  {
    id: 'atlassian-token',
    label: /Atlassian/,
    make: () => j('AT', 'ATT3', rand(174, ALNUM + '_-'), '=', rand(8, HEX).toUpperCase()),
    not: [() => j('AT', 'ATT3', rand(40))],
  },
  {
    id: 'cloudflare-token',
    label: /Cloudflare API/,
    make: () => j('cf', 'ut_', rand(40), rand(6)),
    not: [() => j('cf', 'ut_', rand(20)), () => j('cf', 'at_', 'x'.repeat(46))],
  },
  { id: 'cloudflare-token', label: /Cloudflare API/, make: () => j('cf', 'k_', rand(46)), not: [] },
  {
    id: 'cloudflare-token',
    label: /Cloudflare Origin CA/,
    make: () => j('v1', '.0-', rand(24, HEX), '-', rand(146, HEX)),
    not: [() => j('v1', '.0-', rand(24, HEX), '-', rand(40, HEX))],
  },
  { id: 'vercel-token', label: /Vercel/, make: () => j('vc', 'p_', rand(56)), not: [() => j('vc', 'p_', rand(10)), () => j('vc', 'p_', 'x'.repeat(56))] },
  { id: 'supabase-secret-key', label: /Supabase/, make: () => j('sb_', 'secret_', rand(40, ALNUM + '_-')), not: [() => j('sb_', 'publishable_', rand(40))] },
  {
    id: 'mailgun-key',
    label: /Mailgun/,
    make: () => j('ke', 'y-', rand(32, HEX)),
    not: [() => j('ke', 'y-', rand(20, HEX)), () => j('monkey-', rand(32, HEX))],
  },
  { id: 'mailchimp-key', label: /Mailchimp/, make: () => j(rand(32, HEX), '-u', 's14'), not: [() => j(rand(20, HEX), '-u', 's14')] },
  { id: 'airtable-token', label: /Airtable/, make: () => j('pa', 't', rand(14), '.', rand(64, HEX)), not: [() => j('pa', 't', rand(14), '.', rand(30, HEX))] },
  { id: 'figma-token', label: /Figma/, make: () => j('fi', 'gd_', rand(40, ALNUM + '_-')), not: [() => j('fi', 'gd_', rand(20))] },
  { id: 'replicate-token', label: /Replicate/, make: () => j('r', '8_', rand(37)), not: [() => j('r', '8_', rand(20)), () => j('hr8_', rand(37))] },
  { id: 'planetscale-token', label: /PlanetScale/, make: () => j('pscale', '_tkn_', rand(43)), not: [() => j('pscale', '_tkn_', rand(12))] },
  { id: 'neon-key', label: /Neon/, make: () => j('na', 'pi_', rand(64, LOWER + DIGITS)), not: [() => j('na', 'pi_', rand(30, LOWER + DIGITS))] },
  { id: 'netlify-token', label: /Netlify/, make: () => j('nf', 'p_', rand(36)), not: [() => j('nf', 'p_', rand(20))] },
  { id: 'render-key', label: /Render/, make: () => j('rn', 'd_', rand(32)), not: [() => j('rn', 'd_', rand(12)), () => j('rn', 'd_', 'x'.repeat(32))] },
  { id: 'square-token', label: /Square/, make: () => j('EA', 'AA', rand(60, ALNUM + '_-')), not: [() => j('EA', 'AA', rand(20))] },
  { id: 'square-token', label: /Square/, make: () => j('sq0', 'csp-', rand(43, ALNUM + '_-')), not: [] },
  {
    id: 'mapbox-secret-token',
    label: /Mapbox/,
    make: () => j('s', 'k.', b64json({ u: 'acme', a: rand(12) }), '.', rand(22, ALNUM + '_-')),
    not: [() => j('p', 'k.', b64json({ u: 'acme', a: rand(12) }), '.', rand(22))],
  },
  { id: 'flyio-token', label: /Fly\.io/, make: () => j('fm', '2_', rand(160, B64)), not: [() => j('fm', '2_', rand(40, B64))] },
  { id: 'openrouter-key', label: /OpenRouter/, make: () => j('sk', '-or-v1-', rand(64, HEX)), not: [() => j('sk', '-or-v1-', rand(30, HEX))] },
];

for (const c of CASES) {
  test(`provider rule ${c.id} (${c.label.source}): the documented shape is found, near misses are not`, () => {
    const tok = c.make();
    for (const wrap of [
      (t: string) => t,
      (t: string) => `export TOKEN_X="${t}"\n`,
      (t: string) => `{"value": "${t}", "n": 1}`,
      (t: string) => `curl -H 'X-Key: ${t}' https://api.example.net/v1`,
    ]) {
      const text = wrap(tok);
      const f = scanText(text).find((x) => x.ruleId === c.id);
      assert.ok(f, `${c.id} not found in ${text}`);
      assert.match(f.label, c.label);
      assert.equal(f.value, tok);
      assert.equal(text.slice(f.start, f.end), tok);
    }
    for (const miss of c.not) {
      const t = miss();
      assert.equal(scanText(`value: ${t} end`).filter((x) => x.ruleId === c.id).length, 0, `${c.id} reported a near miss: ${t}`);
    }
  });
}

test('every provider rule of the table has a positive case here', () => {
  const covered = new Set(CASES.map((c) => c.id));
  const newRules = [
    'sentry-token',
    'grafana-token',
    'postman-key',
    'newrelic-key',
    'doppler-token',
    'pulumi-token',
    'terraform-cloud-token',
    'notion-token',
    'perplexity-key',
    'heroku-key',
    'telegram-bot-token',
    'atlassian-token',
    'cloudflare-token',
  ];
  for (const id of newRules) {
    assert.ok(
      RULES.some((r) => r.id === id),
      `rule ${id} missing`,
    );
    assert.ok(covered.has(id), `no case for ${id}`);
  }
});

test('the README lists the detector rules as the table has them (regenerate with npm run docs)', async () => {
  const { detectorRulesText, START, END } = await import('../../scripts/detector-rules.ts');
  const { readFileSync } = await import('node:fs');
  const text = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  assert.ok(a >= 0 && b > a, 'markers present');
  assert.equal(text.slice(a + START.length, b).trim(), detectorRulesText());
});
