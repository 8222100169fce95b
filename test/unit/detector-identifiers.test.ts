/**
 * Identifiers are not secrets: tool-call, message and request ids, deployment ids, nonces,
 * signatures, ids labelled as ids, addresses (URL hosts and paths), documented example keys,
 * test and publishable keys, public (anon) JWTs. The secrets that look like them still are.
 * Values are built at run time from a seeded generator.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scanText } from '../../src/engine/detector.ts';
import { ALNUM, seededStrings } from '../helpers/random.ts';

const LOWER_DIGITS = 'abcdefghijklmnopqrstuvwxyz0123456789';
const rand = seededStrings(7);
const jwt = (payload: object): string =>
  [{ alg: 'HS256', typ: 'JWT' }, payload].map((o) => Buffer.from(JSON.stringify(o)).toString('base64url')).join('.') + '.' + rand(43, ALNUM + '_-');

function clean(text: string): void {
  assert.deepEqual(
    scanText(text).map((f) => [f.ruleId, f.value]),
    [],
    text,
  );
}
function found(text: string, value: string): void {
  assert.ok(
    scanText(text).some((f) => f.value === value),
    `${value} not found in ${text}`,
  );
}

test('tool-call, message, request and generation ids are not secrets', () => {
  clean(`{"tool_use_id": "toolu_01${rand(22)}", "is_error": false}`);
  clean(`{"type":"server_tool_use","id":"srvtoolu_01${rand(22)}"}`);
  clean(`{"model":"claude-haiku-4-5","id":"msg_01${rand(22)}"}`);
  clean(`request failed (request id req_011C${rand(20)})`);
  clean(`{"tool_calls":[{"id":"call_${rand(24)}","type":"function"}]}`);
  clean(`chatcmpl-${rand(29)} finished`);
  clean(`generation gen-1726${rand(6, '0123456789')}-${rand(20)} cost 0.0012`);
  clean(`deployment dpl_${rand(28)} is READY`);
  clean(`signed in as user_${rand(27)}`);
});

test('ids labelled as ids, nonces and signatures are not secrets', () => {
  clean(`{"id":"c${rand(24, LOWER_DIGITS)}","events":1}`);
  clean(`{"requestId":"${rand(24)}"}`);
  clean(`https://shop.example.com/?utm_source=ad&gclid=${rand(60)}`);
  clean(`trace_id: ${rand(32)}`);
  clean(`Content-Security-Policy: script-src 'self' 'nonce-${rand(24)}'`);
  clean(`{"type": "signature_delta", "signature": "${rand(180, ALNUM + '+/')}"}`);
});

test('URL hosts and paths are addresses, not secrets; query values still count', () => {
  clean(`Inspect: https://vercel.com/acme/cads-research/${rand(28)}`);
  clean(`Preview: https://cads-research-${rand(9, LOWER_DIGITS)}.vercel.app/data/x.json`);
  clean(`/Library/SystemExtensions/2B7CF277-2F42-4FB1-8A1B-F43688E52075/com.example.ext`);
  const tok = rand(40);
  found(`https://api.example.com/v1/items?access_token=${tok}`, tok);
  const tok2 = rand(40);
  found(`here it is: ${tok2}`, tok2);
});

test('documented example keys, test and publishable keys, anon JWTs are not secrets', () => {
  clean(['AKIAIOSFODNN7', 'EXAMPLE'].join(''));
  clean(`aws_secret_access_key = ${['wJalrXUtnFEMI/K7MDENG/bPxRfiCY', 'EXAMPLEKEY'].join('')}`);
  clean(`STRIPE_SECRET_KEY=${'sk_' + 'test_'}${rand(24)}`);
  clean(`const stripe = Stripe('${'pk_' + 'live_'}${rand(24)}')`);
  clean(`const stripe = Stripe('${'pk_' + 'test_'}${rand(24)}')`);
  clean(`ANTHROPIC_API_KEY=test-key-12345\nOPENAI_API_KEY=test-openai-key\n`);
  const anon = jwt({ iss: 'supabase', ref: rand(20, LOWER_DIGITS), role: 'anon', iat: 1700000000, exp: 2000000000 });
  clean(`VITE_SUPABASE_ANON_KEY=${anon}`);
  clean(`curl -H "Authorization: Bearer ${anon}" https://x.supabase.co/rest/v1/items`);
  clean(`expect(containsSensitiveInfo('Bearer ${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}')).toBe(true)`);
});

test('the secrets that look like them still are', () => {
  const service = jwt({ iss: 'supabase', ref: rand(20, LOWER_DIGITS), role: 'service_role', iat: 1700000000 });
  found(`SUPABASE_SERVICE_ROLE_KEY=${service}`, service);
  const live = 'sk_' + 'live_' + rand(24);
  found(`STRIPE_SECRET_KEY=${live}`, live);
  const aws = 'AKIA' + rand(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567');
  found(aws, aws);
  const labelled = rand(40);
  found(`"api_key": "${labelled}"`, labelled);
});
