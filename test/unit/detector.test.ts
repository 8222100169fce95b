import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  RULES,
  adoptScanParts,
  forgetScans,
  scanCandidates,
  scanForMemo,
  scanIsRemembered,
  scanText,
  scanTextWhole,
  sensitivePath,
  shannonEntropy,
  type Finding,
} from '../../src/engine/detector.ts';
import { warmUpText } from '../../src/daemon/scan-warmup.ts';

// ---------------------------------------------------------------------------------------------
// Fixture helpers: fake secrets are built at run time from a seeded PRNG (stable across runs, and
// no literal secret-shaped strings in the source for scanners to trip over).
// ---------------------------------------------------------------------------------------------

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const ALNUM = UPPER + LOWER + DIGITS;
const B64 = ALNUM + '+/';
const HEX = '0123456789abcdef';

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function rand(n: number, seed: number, alphabet = ALNUM): string {
  const r = prng(seed);
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(r() * alphabet.length)];
  return s;
}

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

function findingsOf(text: string, ruleId: string): Finding[] {
  return scanText(text).filter((f) => f.ruleId === ruleId);
}

/** Exactly the value is reported by the rule, with correct offsets. */
function assertFinds(text: string, ruleId: string, value: string): Finding {
  const all = scanText(text);
  const hit = all.find((f) => f.ruleId === ruleId && f.value === value);
  assert.ok(hit, `expected ${ruleId} = ${JSON.stringify(value)} in ${JSON.stringify(text)}; got ${JSON.stringify(all.map((f) => [f.ruleId, f.value]))}`);
  assert.equal(text.slice(hit.start, hit.end), value);
  return hit;
}

function assertClean(text: string, msg?: string): void {
  const all = scanText(text);
  assert.deepEqual(
    all.map((f) => [f.ruleId, f.value]),
    [],
    msg ?? `expected no findings in ${JSON.stringify(text.slice(0, 200))}`,
  );
}

function assertNoRule(text: string, ruleId: string): void {
  const hits = findingsOf(text, ruleId);
  assert.deepEqual(
    hits.map((f) => f.value),
    [],
    `expected no ${ruleId} in ${JSON.stringify(text.slice(0, 200))}`,
  );
}

// Fake AWS credentials in the real shapes (AWS's documented example values are no secret: see below).
const AWS_ID = 'AKIA' + rand(16, 91, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567');
const AWS_SECRET = rand(40, 92, ALNUM + '/+');

const GHP = 'ghp_' + rand(36, 1);
const SK_PROJ = 'sk-proj-' + rand(64, 2, ALNUM + '_-') + 'T3BlbkFJ' + rand(64, 3, ALNUM + '_-');
const SK_ANT = 'sk-ant-api03-' + rand(93, 4, ALNUM + '_-') + 'AA';
const JWT = [b64url({ alg: 'HS256', typ: 'JWT' }), b64url({ sub: '1234567890', name: 'Jane', iat: 1516239022 }), rand(43, 5, ALNUM + '_-')].join('.');

// ---------------------------------------------------------------------------------------------

describe('shannonEntropy', () => {
  it('is 0 for empty and single-symbol strings', () => {
    assert.equal(shannonEntropy(''), 0);
    assert.equal(shannonEntropy('aaaaaaa'), 0);
  });
  it('is log2 of the alphabet for uniform strings', () => {
    assert.equal(shannonEntropy('ab'), 1);
    assert.equal(shannonEntropy('abcd'), 2);
    assert.equal(shannonEntropy('0123456789abcdef'), 4);
  });
  it('handles non-ASCII characters', () => {
    assert.equal(shannonEntropy('日本日本'), 1);
    assert.ok(shannonEntropy('ñandú ✓ 😀') > 2);
  });
  it('scores random base64 higher than English text and hex', () => {
    assert.ok(shannonEntropy(rand(64, 9, B64)) > 5);
    assert.ok(shannonEntropy(rand(64, 9, HEX)) <= 4);
    assert.ok(shannonEntropy('the quick brown fox jumps over the lazy dog') < 4.5);
  });
});

describe('RULES table', () => {
  it('declares the required rule ids', () => {
    const ids = new Set(RULES.map((r) => r.id));
    for (const id of [
      'aws-access-key-id',
      'aws-secret-access-key',
      'private-key',
      'github-token',
      'gitlab-token',
      'slack-token',
      'slack-webhook',
      'openai-key',
      'anthropic-key',
      'stripe-key',
      'jwt',
      'connection-string-password',
      'dotenv-secret',
      'high-entropy-token',
      'google-api-key',
      'npm-token',
    ]) {
      assert.ok(ids.has(id), `missing rule ${id}`);
    }
  });
  it('has well-formed entries', () => {
    for (const r of RULES) {
      assert.match(r.id, /^[a-z0-9-]+$/);
      assert.ok(r.label.length > 0);
      assert.ok(['medium', 'high', 'critical'].includes(r.severity));
      assert.ok(r.regex instanceof RegExp);
      for (const k of r.keywords ?? []) assert.equal(k, k.toLowerCase(), `keyword ${k} of ${r.id} must be lower-case`);
      if (r.minEntropy !== undefined) assert.ok(r.minEntropy > 0 && r.minEntropy < 8);
    }
  });
  it('puts the generic rules last (specific rules win overlaps)', () => {
    const ids = RULES.map((r) => r.id);
    assert.equal(ids[ids.length - 1], 'high-entropy-token');
    assert.ok(ids.indexOf('github-token') < ids.indexOf('dotenv-secret'));
    assert.ok(ids.indexOf('jwt') < ids.indexOf('bearer-token'));
  });
});

describe('scanText: AWS', () => {
  it('finds the access key id bare, in JSON and in an env file (documented example not allowlisted)', () => {
    const f = assertFinds(AWS_ID, 'aws-access-key-id', AWS_ID);
    assert.equal(f.severity, 'critical');
    assertFinds(`{"AccessKeyId": "${AWS_ID}", "x": 1}`, 'aws-access-key-id', AWS_ID);
    assertFinds(`AWS_ACCESS_KEY_ID=${AWS_ID}\n`, 'aws-access-key-id', AWS_ID);
    const sts = 'ASIA' + rand(16, 11, UPPER + '234567');
    assertFinds(`aws sts output: ${sts}`, 'aws-access-key-id', sts);
  });
  it('ignores wrong lengths, lower case, embedded ids and placeholders', () => {
    assertNoRule('AKIA' + rand(15, 12, UPPER), 'aws-access-key-id');
    assertNoRule(AWS_ID.toLowerCase(), 'aws-access-key-id');
    assertNoRule('X' + AWS_ID, 'aws-access-key-id');
    assertNoRule(AWS_ID + 'Z', 'aws-access-key-id');
    assertClean('aws_access_key_id = AKIAXXXXXXXXXXXXXXXX');
  });
  it('finds the secret access key after its key name, reporting only the value', () => {
    const cases = [
      `[default]\naws_access_key_id = ${AWS_ID}\naws_secret_access_key = ${AWS_SECRET}\n`,
      `AWS_SECRET_ACCESS_KEY=${AWS_SECRET}`,
      `export AWS_SECRET_ACCESS_KEY="${AWS_SECRET}"`,
      `{"Credentials": {"SecretAccessKey": "${AWS_SECRET}", "SessionToken": "x"}}`,
      `aws configure set aws_secret_access_key ${AWS_SECRET}`,
      `secretAccessKey: '${AWS_SECRET}',`,
    ];
    for (const text of cases) {
      const f = assertFinds(text, 'aws-secret-access-key', AWS_SECRET);
      assert.equal(f.severity, 'critical');
      assert.equal(scanText(text).filter((x) => x.value === AWS_SECRET).length, 1, 'reported once');
    }
  });
  it('reports a bare 40-char key only as a generic high-entropy string', () => {
    assertNoRule(`value ${AWS_SECRET} here`, 'aws-secret-access-key');
    assertFinds(`value ${AWS_SECRET} here`, 'high-entropy-token', AWS_SECRET);
  });
});

describe('scanText: private keys', () => {
  const body = Array.from({ length: 6 }, (_, i) => rand(64, 100 + i, B64)).join('\n');
  const rsa = `-----BEGIN RSA PRIVATE KEY-----\n${body}\n-----END RSA PRIVATE KEY-----`;

  it('reports the whole PEM block', () => {
    const text = `$ cat ~/.ssh/id_rsa\n${rsa}\n$ `;
    const f = assertFinds(text, 'private-key', rsa);
    assert.equal(f.severity, 'critical');
    assert.equal(scanText(text).length, 1, 'body lines are not reported again');
  });
  it('handles the other PEM flavours', () => {
    for (const kind of ['OPENSSH PRIVATE KEY', 'EC PRIVATE KEY', 'PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', 'DSA PRIVATE KEY']) {
      const block = `-----BEGIN ${kind}-----\n${body}\n-----END ${kind}-----`;
      assertFinds(`x\n${block}\ny`, 'private-key', block);
    }
    const pgp = `-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: GnuPG v2\n\n${body}\n=AbCd\n-----END PGP PRIVATE KEY BLOCK-----`;
    assertFinds(pgp, 'private-key', pgp);
  });
  it('finds a JSON-escaped key (service-account file as a tool result)', () => {
    const escaped = `-----BEGIN PRIVATE KEY-----\\n${body.replace(/\n/g, '\\n')}\\n-----END PRIVATE KEY-----\\n`;
    const text = `{"type": "service_account", "private_key_id": "1", "private_key": "${escaped}", "client_email": "a@b.iam.gserviceaccount.com"}`;
    const f = findingsOf(text, 'private-key');
    assert.equal(f.length, 1);
    assert.ok(f[0]!.value.startsWith('-----BEGIN PRIVATE KEY-----'));
    assert.ok(f[0]!.value.endsWith('-----END PRIVATE KEY-----'));
  });
  it('finds a truncated block and ends it at the last key line', () => {
    const text = `$ head -3 key.pem\n-----BEGIN RSA PRIVATE KEY-----\n${body.split('\n').slice(0, 2).join('\n')}\n`;
    const f = findingsOf(text, 'private-key');
    assert.equal(f.length, 1);
    assert.ok(f[0]!.value.endsWith(body.split('\n')[1]!));
  });
  it('accepts a short fixture body in a complete block, but not an elided one', () => {
    const fixture = '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----';
    assertFinds(fixture, 'private-key', fixture);
    assertClean('-----BEGIN RSA PRIVATE KEY-----\nMIIE...\n-----END RSA PRIVATE KEY-----');
  });
  it('finds a base64-wrapped PEM key (kubeconfig client-key-data) but not a wrapped certificate', () => {
    const wrapped = Buffer.from(`${rsa}\n`).toString('base64');
    const cert = Buffer.from(`-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`).toString('base64');
    const text = `users:\n- name: admin\n  user:\n    client-certificate-data: ${cert}\n    client-key-data: ${wrapped}\n`;
    const all = scanText(text);
    assert.deepEqual(
      all.map((f) => [f.ruleId, f.value]),
      [['private-key', wrapped]],
    );
  });
  it('ignores headers without key material, public keys and certificates', () => {
    assertClean(`if (line.startsWith('-----BEGIN RSA PRIVATE KEY-----')) { return true; }`);
    assertClean(`-----BEGIN PUBLIC KEY-----\n${body}\n-----END PUBLIC KEY-----\n`);
    assertClean(`-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`);
  });
});

describe('scanText: prefixed tokens', () => {
  it('GitHub tokens of every kind', () => {
    for (const p of ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_']) {
      const t = p + rand(36, p.charCodeAt(2));
      assertFinds(`token=${t}`, 'github-token', t);
    }
    const pat = 'github_pat_' + rand(22, 21) + '_' + rand(59, 22);
    assertFinds(`GH_TOKEN=${pat}`, 'github-token', pat);
  });
  it('GitHub token inside a curl command, a git remote URL and a JSON string with escapes', () => {
    const f = assertFinds(`curl -H "Authorization: token ${GHP}" https://api.github.com/user`, 'github-token', GHP);
    assert.equal(f.severity, 'critical');
    const remote = `https://x-access-token:${GHP}@github.com/acme/app.git`;
    assertFinds(`git remote -v\norigin ${remote} (fetch)`, 'github-token', GHP);
    assertFinds(JSON.stringify({ output: `line one\n${GHP}\nline three` }), 'github-token', GHP);
  });
  it('GitHub negatives: too short, placeholders, inside a longer word', () => {
    assertNoRule('ghp_' + rand(20, 23), 'github-token');
    assertClean('GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx');
    assertClean('token: ghp_************************************');
    assertNoRule('aghp_' + rand(36, 24), 'github-token');
  });
  it('GitLab tokens', () => {
    const t = 'glpat-' + rand(20, 31, ALNUM + '_-');
    assertFinds(`export GITLAB_TOKEN=${t}`, 'gitlab-token', t);
    const dt = 'gldt-' + rand(20, 32);
    assertFinds(`deploy token ${dt}`, 'gitlab-token', dt);
  });
  it('Slack tokens and webhook URLs', () => {
    const bot = `xoxb-${rand(12, 41, DIGITS)}-${rand(13, 42, DIGITS)}-${rand(24, 43)}`;
    assertFinds(`SLACK_BOT_TOKEN=${bot}`, 'slack-token', bot);
    const user = `xoxp-${rand(12, 44, DIGITS)}-${rand(12, 45, DIGITS)}-${rand(13, 46, DIGITS)}-${rand(32, 47, HEX)}`;
    assertFinds(`"token": "${user}"`, 'slack-token', user);
    const app = `xapp-1-A${rand(10, 48, UPPER + DIGITS)}-${rand(13, 49, DIGITS)}-${rand(64, 50, HEX)}`;
    assertFinds(app, 'slack-token', app);
    const hook = `https://hooks.slack.com/services/T${rand(8, 51, UPPER + DIGITS)}/B${rand(8, 52, UPPER + DIGITS)}/${rand(24, 53)}`;
    const f = assertFinds(`curl -X POST -d '{"text":"hi"}' ${hook}`, 'slack-webhook', hook);
    assert.equal(f.severity, 'high');
    assertClean('SLACK_BOT_TOKEN=xoxb-your-bot-token-here');
  });
  it('OpenAI keys (classic and project) but not hyphenated slugs', () => {
    const classic = 'sk-' + rand(20, 61) + 'T3BlbkFJ' + rand(20, 62);
    assertFinds(`OPENAI_API_KEY=${classic}`, 'openai-key', classic);
    const f = assertFinds(`client = OpenAI(api_key="${SK_PROJ}")`, 'openai-key', SK_PROJ);
    assert.equal(f.severity, 'critical');
    assertClean('see disk-usage-monitoring-dashboard-configuration for details');
    assertNoRule('task-sk-this-is-a-perfectly-normal-slug-name', 'openai-key');
    assertNoRule('sk-this-is-a-perfectly-normal-slug-name', 'openai-key');
    assertClean('OPENAI_API_KEY=sk-your-key-here');
  });
  it('Anthropic keys are reported as anthropic-key only', () => {
    const text = `ANTHROPIC_API_KEY=${SK_ANT}`;
    assertFinds(text, 'anthropic-key', SK_ANT);
    assert.equal(scanText(text).length, 1);
    assertFinds(`curl https://api.anthropic.com/v1/messages -H "x-api-key: ${SK_ANT}"`, 'anthropic-key', SK_ANT);
  });
  it('Stripe keys: live critical; test and publishable keys are no secret', () => {
    const live = 'sk_live_' + rand(24, 71);
    assert.equal(assertFinds(`stripe.api_key = "${live}"`, 'stripe-key', live).severity, 'critical');
    const restricted = 'rk_live_' + rand(24, 72);
    assertFinds(restricted, 'stripe-key', restricted);
    const test = 'sk_test_' + rand(24, 73);
    assertClean(`STRIPE_SECRET_KEY=${test}`);
    assertNoRule('pk_live_' + rand(24, 74), 'stripe-key');
    const wh = 'whsec_' + rand(32, 75);
    assertFinds(wh, 'stripe-webhook-secret', wh);
  });
  it('Google API keys, npm tokens', () => {
    const g = 'AIza' + rand(35, 81, ALNUM + '_-');
    assertFinds(`https://maps.googleapis.com/maps/api/geocode/json?address=x&key=${g}`, 'google-api-key', g);
    const npm = 'npm_' + rand(36, 82);
    assertFinds(`//registry.npmjs.org/:_authToken=${npm}`, 'npm-token', npm);
    assertClean('//registry.npmjs.org/:_authToken=${NPM_TOKEN}');
  });
  it('other vendors', () => {
    const cases: Array<[string, string]> = [
      ['huggingface-token', 'hf_' + rand(34, 91)],
      ['sendgrid-key', 'SG.' + rand(22, 92, ALNUM + '_-') + '.' + rand(43, 93, ALNUM + '_-')],
      ['groq-key', 'gsk_' + rand(52, 94)],
      ['xai-key', 'xai-' + rand(80, 95)],
      ['digitalocean-token', 'dop_v1_' + rand(64, 96, HEX)],
      ['docker-hub-token', 'dckr_pat_' + rand(27, 97, ALNUM + '_-')],
      ['shopify-token', 'shpat_' + rand(32, 98, HEX)],
      ['hashicorp-vault-token', 'hvs.' + rand(90, 99, ALNUM + '_-')],
      ['databricks-token', 'dapi' + rand(32, 100, HEX)],
      ['linear-api-key', 'lin_api_' + rand(40, 101)],
      ['twilio-api-key', 'SK' + rand(32, 102, HEX)],
      ['google-oauth-client-secret', 'GOCSPX-' + rand(28, 103, ALNUM + '_-')],
      ['pypi-token', 'pypi-AgEIcHlwaS5vcmc' + rand(60, 104, ALNUM + '_-')],
      ['age-secret-key', 'AGE-SECRET-KEY-1' + rand(58, 105, 'QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L')],
    ];
    for (const [id, tok] of cases) assertFinds(`secret value: ${tok} end`, id, tok);
    const azure = rand(86, 106, B64) + '==';
    assertFinds(`DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${azure};EndpointSuffix=core.windows.net`, 'azure-storage-key', azure);
  });
});

describe('scanText: JWT, auth headers, connection strings', () => {
  it('finds JWTs whose header decodes to JSON with "alg"', () => {
    const f = assertFinds(`Cookie: session=${JWT}; Path=/`, 'jwt', JWT);
    assert.equal(f.severity, 'high');
    assertFinds(`{"id_token":"${JWT}"}`, 'jwt', JWT);
  });
  it('a bearer JWT is reported once, as a JWT', () => {
    const text = `curl -H "Authorization: Bearer ${JWT}" https://api.example.com`;
    const all = scanText(text);
    assert.deepEqual(
      all.map((x) => x.ruleId),
      ['jwt'],
    );
  });
  it('ignores JWT-shaped strings without an alg header', () => {
    const fake = [b64url({ foo: 'bar', baz: 1 }), b64url({ sub: 'x', n: 12345 }), rand(43, 111, ALNUM + '_-')].join('.');
    assertNoRule(fake, 'jwt');
  });
  it('opaque bearer tokens and basic credentials', () => {
    const tok = rand(40, 112, ALNUM + '-_');
    assertFinds(`-H 'Authorization: Bearer ${tok}'`, 'bearer-token', tok);
    const basic = Buffer.from('deploy:' + rand(16, 113)).toString('base64');
    assertFinds(`Authorization: Basic ${basic}`, 'basic-auth', basic);
    assertClean('Authorization: Bearer ${TOKEN}');
    assertClean('Authorization: Bearer <token>');
    assertClean('use the Bearer authentication scheme for requests');
    assertClean(`Authorization: Basic ${Buffer.from('user:password').toString('base64')}`);
  });
  it('reports the password of database connection strings', () => {
    const cases: Array<[string, string]> = [
      ['postgres://app:S3cr3t-P4ss_w0rd@db.internal:5432/app', 'S3cr3t-P4ss_w0rd'],
      ['postgresql://admin:Zx9%40q7Lm@10.0.0.5/prod?sslmode=require', 'Zx9%40q7Lm'],
      ['mysql://root:hunter22xy@localhost:3306/shop', 'hunter22xy'],
      ['mongodb+srv://svc:Mq8vT2pLk9@cluster0.abcde.mongodb.net/db', 'Mq8vT2pLk9'],
      ['redis://:r3dis-Pa55@cache:6379/0', 'r3dis-Pa55'],
      ['amqp://guest1:Rb7kq2Vw@mq:5672/', 'Rb7kq2Vw'],
    ];
    for (const [url, pw] of cases) {
      const f = assertFinds(`DATABASE_URL="${url}"`, 'connection-string-password', pw);
      assert.equal(f.severity, 'critical');
    }
  });
  it('ignores connection strings without a real password', () => {
    assertClean('postgres://localhost:5432/app');
    assertClean('postgres://app@db.internal/app and mail me at ops@example.com');
    assertClean('DATABASE_URL=postgres://app:${DB_PASSWORD}@db/app');
    assertClean('postgres://postgres:postgres@localhost:5432/postgres');
    assertClean('mysql://user:password@localhost/db');
  });
  it('reports passwords in other URLs', () => {
    const pw = 'Ab3' + rand(12, 114);
    assertFinds(`git clone https://deploy:${pw}@git.example.com/acme/app.git`, 'url-credentials', pw);
    assertClean('see https://user:pass@example.com in the docs');
    assertClean('https://github.com/acme/app/blob/main/README.md#L10');
  });
});

describe('scanText: NAME=value assignments (dotenv-secret)', () => {
  const value = 'Xq7' + rand(21, 121);
  it('env files, export, quotes', () => {
    for (const text of [
      `DB_PASSWORD=${value}`,
      `export API_TOKEN="${value}"`,
      `SECRET_KEY='${value}'`,
      `  export   MY_APP_SECRET=${value}  # prod`,
      `SESSION_SECRET=${value}\nPORT=3000`,
    ]) {
      const f = assertFinds(text, 'dotenv-secret', value);
      assert.equal(f.severity, 'high');
    }
  });
  it('YAML, JSON, TOML, INI, code literals', () => {
    for (const text of [
      `database:\n  host: db\n  password: ${value}\n`,
      `{"api_key": "${value}", "region": "eu"}`,
      `client_secret = "${value}"`,
      `[pypi]\nusername = __token__\npassword = ${value}\n`,
      `const apiKey = '${value}';`,
      `headers: { "X-Api-Key": "${value}" }`,
      `x-api-key: ${value}`,
      `spring.datasource.password=${value}`,
      `$config['db_password'] => '${value}';`,
    ]) {
      assertFinds(text, 'dotenv-secret', value);
    }
  });
  it('command-line options and query strings', () => {
    assertFinds(`mysql -u root --password ${value} shop`, 'dotenv-secret', value);
    assertFinds(`tool login --token=${value} --verbose`, 'dotenv-secret', value);
    assertFinds(`GET /callback?state=1&access_token=${value}&x=2`, 'dotenv-secret', value);
  });
  it('.netrc entries', () => {
    const pw = rand(8, 122, HEX) + '-' + rand(4, 123, HEX) + '-' + rand(12, 124, HEX);
    assertFinds(`machine api.heroku.com\n  login me@example.com\n  password ${pw}\n`, 'dotenv-secret', pw);
    assertFinds(`machine github.com login bot password ${value}`, 'dotenv-secret', value);
    assertClean('machine learning models need a password reset flow');
  });
  it('JSON-escaped JSON (tool output inside a tool result)', () => {
    const text = JSON.stringify({ content: JSON.stringify({ password: value }) });
    assertFinds(text, 'dotenv-secret', value);
  });
  it('.env.example placeholders are ignored', () => {
    assertClean(
      [
        'API_KEY=your-api-key',
        'API_KEY=your_api_key_here',
        'SECRET=changeme',
        'TOKEN=<token>',
        'PASSWORD=xxxxxxxx',
        'AUTH_TOKEN=${AUTH_TOKEN}',
        'CLIENT_SECRET=$CLIENT_SECRET',
        'SECRET=example',
        'DB_PASSWORD=',
        'JWT_SECRET=********',
        'PRIVATE_KEY_PATH=./keys/dev.pem',
        'TOKEN_URL=https://auth.example.com/oauth/token',
        'AUTH_PROVIDER=github',
        'TOKEN_TTL=3600',
        'API_TOKEN={{ api_token }}',
        'PASSWORD=aaaaaaaaaaaa',
      ].join('\n'),
    );
  });
  it('ordinary code that mentions secrets is ignored', () => {
    assertClean(
      [
        'interface Credentials { username: string; password: string; token?: string }',
        'const token = await getToken(request);',
        'const auth = { token: process.env.GITHUB_TOKEN, secret: config.secret };',
        'if (password === confirmPassword) { setPasswordError(null); }',
        'headers = {"Authorization": f"Bearer {token}"}',
        'password = os.environ["DB_PASSWORD"]',
        'self.token = token',
        'return { accessToken, refreshToken: refreshToken, tokenType: "Bearer" };',
        'onresumptiontoken: options?.onresumptiontoken,',
        'const TOKEN_PATTERN = "[A-Za-z0-9._~+/-]+=*";',
        '"max_tokens": 4096, "input_tokens": 123, "author": "Jane Doe <jane@example.com>"',
        '"js-tokens": "^4.0.0",',
        'private readonly tokenStore: TokenStore;',
        'PWD=/home/user/project',
        'secrets: inherit',
        'token: ${{ secrets.GITHUB_TOKEN }}',
      ].join('\n'),
    );
  });
});

describe('scanText: generic high-entropy strings', () => {
  it('flags random base64/alphanumeric tokens, also inside URLs and JSON', () => {
    const tok = rand(40, 131, B64);
    const f = assertFinds(`session ${tok} expired`, 'high-entropy-token', tok);
    assert.equal(f.severity, 'medium');
    const lower = rand(32, 132, LOWER + DIGITS);
    assertFinds(`{"value": "${lower}"}`, 'high-entropy-token', lower);
    const q = rand(48, 133, ALNUM + '_-');
    assertFinds(`https://example.com/cb?key=${q}&lang=en`, 'high-entropy-token', q);
  });
  it('flags hex only when labelled as a secret', () => {
    const hex = rand(40, 134, HEX);
    assertNoRule(`commit ${hex}`, 'high-entropy-token');
    assertFinds(`Authorization: token ${hex}`, 'high-entropy-token', hex);
  });
  it('ignores commit ids, digests, uuids and lockfile integrity hashes', () => {
    assertClean(
      [
        `commit ${rand(40, 135, HEX)}`,
        `Merge: ${rand(7, 136, HEX)} ${rand(7, 137, HEX)}`,
        `sha256:${rand(64, 138, HEX)}`,
        `${rand(64, 139, HEX)}  dist/app.tar.gz`,
        '550e8400-e29b-41d4-a716-446655440000',
        `"integrity": "sha512-${rand(86, 140, B64)}=="`,
        `"resolved": "https://registry.npmjs.org/@types/node/-/node-20.11.5.tgz"`,
        `github.com/acme/app v1.2.3 h1:${rand(43, 141, B64)}=`,
        `pin-sha256="${rand(43, 142, B64)}="`,
      ].join('\n'),
    );
  });
  it('ignores identifiers, paths and embedded media', () => {
    assertClean(
      [
        'export type JsonSchema7ArrayType = { items: JsonSchema7Type };',
        'type X = NonSharedUint8ClampedArray | ApiGatewayRequestContextV2 | DecipherChaCha20Poly1305;',
        'import { validateMaxPBES2Count } from "./lib/check_p2s.js";',
        'node_modules/@modelcontextprotocol/sdk/dist/esm/server/streamableHttp.js',
        '/home/user/projects/my-app/src/components/UserProfileSettings2.tsx',
        'https://github.com/acme/some-repo/commit/9b61553c587f1c1edbd435597e88c7d387da97dd',
        `<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==">`,
        `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${rand(43, 143, B64)} user@host`,
        `const greeting = "${Buffer.from('Hello there, this is an ordinary sentence.').toString('base64')}";`,
        'MAX_RETRY_COUNT_FOR_TOKEN_REFRESH_2 = 5',
      ].join('\n'),
    );
  });
});

describe('scanText: benign text stays clean', () => {
  it('lorem ipsum', () => {
    assertClean(
      'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.',
    );
  });
  it('typical TypeScript', () => {
    assertClean(`import { createHash } from 'node:crypto';
import type { HookEvent, Classification } from '../types.ts';

export interface SessionState { id: string; tokens: number; authorized: boolean }

/** Compute the SHA-256 digest of a tool output for later correlation. */
export function digest(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export async function authenticate(user: string, password: string): Promise<boolean> {
  const hashedPassword = await hashPassword(password);
  const token = generateToken({ sub: user });
  if (!token) throw new Error('authentication failed: token missing');
  return compare(hashedPassword, user.passwordHash);
}

const enum TokenKind { Identifier = 1, StringLiteral = 2 }
for (let i = 0; i < items.length; i++) { const secretName = \`\${prefix}-\${i}\`; }
`);
  });
  it('npm, git and test-runner output', () => {
    assertClean(`npm WARN deprecated inflight@1.0.6: This module is not supported, and leaks memory.
added 245 packages, and audited 246 packages in 3s
41 packages are looking for funding
  run \`npm fund\` for details
found 0 vulnerabilities
npm notice package: mcpproxy-hook@0.1.0
npm notice shasum: ${rand(40, 151, HEX)}
npm notice integrity: sha512-${rand(20, 152, B64)}[...]${rand(10, 153, B64)}==
commit ${rand(40, 154, HEX)}
Author: Jane Doe <jane@example.com>
Date:   Tue Mar 5 14:02:11 2024 +0100

    fix(auth): refresh token before expiry (#412)

${rand(7, 155, HEX)} chore: bump typescript to 5.4.2
 src/engine/detector.ts    | 120 +++++++++++++++++++-----
 2 files changed, 98 insertions(+), 22 deletions(-)
▶ scanText
  ✔ finds the access key id (1.20ms)
  ✔ ignores placeholders (0.31ms)
ℹ tests 42
ℹ pass 42
ℹ fail 0
ℹ duration_ms 211.43
`);
  });
});

describe('scanText: dedupe, ordering, offsets, limits', () => {
  it('one finding per span; the specific rule wins', () => {
    assert.deepEqual(
      scanText(`GITHUB_TOKEN=${GHP}`).map((f) => f.ruleId),
      ['github-token'],
    );
    assert.deepEqual(
      scanText(`AWS_SECRET_ACCESS_KEY=${AWS_SECRET}`).map((f) => f.ruleId),
      ['aws-secret-access-key'],
    );
    assert.deepEqual(
      scanText(`OPENAI_API_KEY="${SK_PROJ}"`).map((f) => f.ruleId),
      ['openai-key'],
    );
    assert.deepEqual(
      scanText(`token: ${JWT}`).map((f) => f.ruleId),
      ['jwt'],
    );
  });
  it('repeated secrets are reported at each position, sorted by start', () => {
    const text = `a ${GHP} b ${AWS_ID} c ${GHP}`;
    const all = scanText(text);
    assert.deepEqual(
      all.map((f) => f.ruleId),
      ['github-token', 'aws-access-key-id', 'github-token'],
    );
    for (let i = 1; i < all.length; i++) assert.ok(all[i - 1]!.start < all[i]!.start);
  });
  it('offsets are exact for every finding in a mixed document (with non-ASCII text)', () => {
    const doc = [
      '✓ démarrage — 日本語 😀',
      `{"AccessKeyId":"${AWS_ID}","SecretAccessKey":"${AWS_SECRET}"}`,
      `curl -H "x-api-key: ${SK_ANT}" -d @body.json`,
      `DATABASE_URL=postgres://app:Pw9${rand(10, 161)}@db/app`,
      `export NPM_TOKEN=npm_${rand(36, 162)}`,
      `jwt=${JWT}`,
      `-----BEGIN OPENSSH PRIVATE KEY-----\n${rand(70, 163, B64)}\n${rand(70, 164, B64)}\n-----END OPENSSH PRIVATE KEY-----`,
      `random ${rand(44, 165, B64)}`,
    ].join('\n');
    const all = scanText(doc);
    assert.ok(all.length >= 8, JSON.stringify(all.map((f) => f.ruleId)));
    for (const f of all) {
      assert.equal(doc.slice(f.start, f.end), f.value, f.ruleId);
      assert.ok(f.value.length > 0);
    }
    for (let i = 1; i < all.length; i++) assert.ok(all[i - 1]!.end <= all[i]!.start, 'no overlapping findings');
  });
  it('scans only the first maxChars characters', () => {
    const text = 'x'.repeat(100) + ' ' + GHP;
    assert.equal(scanText(text, { maxChars: 100 }).length, 0);
    assert.equal(scanText(text, { maxChars: 200 }).length, 1);
    const big = 'lorem ipsum '.repeat(90_000) + GHP; // > 1,000,000 chars
    assert.ok(big.length > 1_000_000);
    assert.equal(scanText(big).length, 0, 'default limit is 1,000,000 characters');
    assert.equal(scanText(big, { maxChars: 2_000_000 }).length, 1);
  });
  it('empty and non-secret inputs', () => {
    assert.deepEqual(scanText(''), []);
    assert.deepEqual(scanText('\u0000'.repeat(1000)), []);
  });
  // the deadline turns catastrophic backtracking (a hang) into a failure; it is not a speed limit (a few ms each here)
  it('survives pathological input (no catastrophic backtracking) and finds nothing in it', { timeout: 120_000 }, () => {
    const inputs = [
      'a'.repeat(200_000),
      '-----BEGIN RSA PRIVATE KEY-----\n'.repeat(2_000),
      'password='.repeat(20_000),
      'postgres://' + 'a:'.repeat(50_000),
      'https://' + 'x:y'.repeat(30_000) + '@',
      'eyJ' + 'a'.repeat(10_000) + '.'.repeat(10_000),
      ('secret' + '_'.repeat(39)).repeat(2_000) + ':',
      '-'.repeat(100_000),
      '='.repeat(100_000),
      ('Bearer ' + 'A'.repeat(15) + ' ').repeat(5_000),
    ];
    for (const input of inputs) assert.deepEqual(scanText(input), [], input.slice(0, 40));
  });
});

describe('sensitivePath', () => {
  const home = '/home/alice';
  const positives: Array<[string, string]> = [
    ['.env', 'env-file'],
    ['.env.local', 'env-file'],
    ['.env.production', 'env-file'],
    ['config/.env.development.local', 'env-file'],
    ['/srv/app/prod.env', 'env-file'],
    ['~/projects/app/.envrc', 'env-file'],
    ['~/.ssh/id_rsa', 'ssh-private-key'],
    ['/home/bob/.ssh/id_ed25519', 'ssh-private-key'],
    ['C:\\Users\\Bob\\.ssh\\id_ecdsa', 'ssh-private-key'],
    ['backup/id_dsa', 'ssh-private-key'],
    ['/etc/ssh/ssh_host_ed25519_key', 'ssh-private-key'],
    ['~/.ssh/config', 'ssh-directory'],
    ['~/.ssh', 'ssh-directory'],
    ['~/.ssh/*', 'ssh-directory'],
    ['~/.aws/credentials', 'aws-credentials'],
    ['$HOME/.aws/config', 'aws-credentials'],
    ['/root/.aws/credentials', 'aws-credentials'],
    ['certs/server.pem', 'private-key-file'],
    ['tls/server.KEY', 'private-key-file'],
    ['client.p12', 'private-key-file'],
    ['store.pfx', 'private-key-file'],
    ['~/.netrc', 'netrc'],
    ['~/.npmrc', 'npmrc'],
    ['project/.npmrc', 'npmrc'],
    ['~/.pypirc', 'pypirc'],
    ['~/.git-credentials', 'git-credentials'],
    ['~/.docker/config.json', 'docker-config'],
    ['~/.kube/config', 'kube-config'],
    ['~/.config/gcloud/application_default_credentials.json', 'gcloud-credentials'],
    ['credentials.json', 'credentials-file'],
    ['config/secrets.yml', 'secrets-file'],
    ['deploy/secrets.yaml', 'secrets-file'],
    ['infra/terraform.tfstate', 'terraform-state'],
    ['infra/terraform.tfstate.backup', 'terraform-state'],
    ['/var/www/.htpasswd', 'htpasswd'],
    ['/etc/shadow', 'shadow-file'],
    ['/proc/self/environ', 'process-environ'],
    ['~/.gnupg/private-keys-v1.d/ABC.key', 'gnupg'],
    ['~/.claude/.credentials.json', 'agent-credentials'],
    ['~/.config/gh/hosts.yml', 'agent-credentials'],
    ['~/.pgpass', 'db-credentials'],
    ['~/.bash_history', 'shell-history'],
  ];
  for (const [p, id] of positives) {
    it(`flags ${p}`, () => {
      const f = sensitivePath(p, home);
      assert.ok(f, `${p} should be sensitive`);
      // some paths match several rules; the reported one must be the most specific listed here
      assert.equal(f.ruleId, id);
      assert.ok(f.label.length > 0);
    });
  }
  it('resolves the home directory and is case-insensitive', () => {
    assert.equal(sensitivePath('/home/alice/.aws/credentials', home)?.ruleId, 'aws-credentials');
    assert.equal(sensitivePath('/Users/alice/.SSH/ID_RSA', '/Users/alice')?.ruleId, 'ssh-private-key');
    assert.equal(sensitivePath('"~/.env"')?.ruleId, 'env-file');
    assert.equal(sensitivePath('./src/../.env')?.ruleId, 'env-file');
  });
  const negatives = [
    '.env.example',
    '.env.sample',
    '.env.template',
    'config/.env.local.example',
    'src/env.ts',
    'src/environment.ts',
    'process.env',
    '~/.ssh/id_rsa.pub',
    '~/.ssh/known_hosts',
    '~/.ssh/authorized_keys',
    'README.md',
    'package.json',
    'tsconfig.json',
    '/etc/passwd',
    '/etc/hosts',
    'etc/shadow',
    'fixtures/etc/shadow',
    'src/keys.ts',
    'src/credentials.ts',
    '~/.kube/cache/discovery',
    'docker-compose.yml',
    '/etc/ssl/certs/ca-certificates.crt',
    'node_modules/certifi/cacert.pem',
    '',
    '   ',
  ];
  for (const p of negatives) {
    it(`does not flag ${JSON.stringify(p)}`, () => {
      assert.equal(sensitivePath(p, home), null);
    });
  }
});

describe('scanText on a large text scanned again', () => {
  it('gives the same findings, whatever a caller did with the first ones', () => {
    const text = `${'log line without secrets\n'.repeat(400)}AWS_SECRET_ACCESS_KEY=${rand(40, 77, B64)}\n${'more\n'.repeat(100)}`;
    const want = JSON.stringify(scanText(text));
    assert.ok(want !== '[]');
    // a caller that changes what it got (shifts offsets, drops entries) must not change what the next scan returns
    for (let round = 0; round < 3; round++) {
      const got = scanText(text);
      assert.equal(JSON.stringify(got), want);
      for (const f of got) {
        f.start += 5;
        f.value = 'x';
      }
    }
    // fewer characters scanned: the value past the bound is not found (not the result of the longer scan)
    assert.deepEqual(scanText(text, { maxChars: 5000 }), []);
    assert.equal(JSON.stringify(scanText(text)), want);
  });
});

// ---------------------------------------------------------------------------------------------
// A scan in two parts (the token rules on the sidecar's worker thread, the others on its main thread)
// ---------------------------------------------------------------------------------------------

/** Pieces of text that hold secrets of both parts of the rules, some overlapping (`TOKEN = "ghp_…"`, `Bearer <jwt>`). */
function mixedText(seed: number, pieces: number): string {
  const r = prng(seed);
  const kinds = [
    () => `aws_access_key_id = ${AWS_ID}\naws_secret_access_key = ${AWS_SECRET}`,
    () => `GITHUB_TOKEN="${GHP}"`,
    () => `export OPENAI_API_KEY=${SK_PROJ}`,
    () => `curl -H "Authorization: Bearer ${JWT}" https://api.example.com/v1/me`,
    () => `anthropic: ${SK_ANT}`,
    () => `postgres://app:${rand(18, Math.floor(r() * 1e6))}@db.internal:5432/app`,
    () => `-----BEGIN PRIVATE KEY-----\n${rand(64, Math.floor(r() * 1e6), B64)}\n${rand(64, Math.floor(r() * 1e6), B64)}\n-----END PRIVATE KEY-----`,
    () => `"hash": "${rand(40, Math.floor(r() * 1e6), B64)}", "note": "value ${Math.floor(r() * 1e4)}"`,
    () => `password: ${rand(20, Math.floor(r() * 1e6))}`,
    () => `see https://user:${rand(12, Math.floor(r() * 1e6))}@git.example.com/repo.git for ${JWT.slice(0, 30)}`,
    () => 'const total = items.reduce((a, b) => a + b.price, 0); // plain code',
  ];
  const out: string[] = [];
  for (let i = 0; i < pieces; i++) out.push((kinds[Math.floor(r() * kinds.length)] as () => string)());
  return out.join(r() < 0.5 ? '\n' : ' ');
}

it("a scan's two parts (token rules, text rules), scanned apart and put together by adoptScanParts, are exactly one scan of the text", () => {
  const texts = [warmUpText(60_000), ...Array.from({ length: 40 }, (_, i) => mixedText(1000 + i, 80 + i * 5))];
  // past a per-rule bound: the merged scan is cut short where one scan is
  texts.push(Array.from({ length: 3000 }, (_, i) => `h${i} ${rand(40, 5000 + i, B64)}`).join('\n'));
  for (const [i, text] of texts.entries()) {
    assert.ok(text.length >= 4096, `text ${i} is long enough to be remembered`);
    const whole = scanForMemo(text);
    if (i === 0) assert.deepEqual(scanForMemo(text), whole, 'pure');
    forgetScans();
    assert.equal(adoptScanParts(text, scanCandidates(text, 'token'), scanCandidates(text, 'text')), true, `text ${i}`);
    assert.deepEqual(scanTextWhole(text), { findings: whole.findings, capped: whole.capped }, `text ${i}`);
    // in either order
    forgetScans();
    assert.equal(adoptScanParts(text, scanCandidates(text, 'text'), scanCandidates(text, 'token')), true);
    assert.deepEqual(scanText(text), whole.findings, `text ${i}`);
  }
  assert.equal(scanForMemo(texts[texts.length - 1] as string).capped, true, 'the last text is past the bound');
  // both parts find something in the mixed texts, and they overlap somewhere (the rank decides)
  const t = mixedText(7, 200);
  const tok = scanCandidates(t, 'token');
  const txt = scanCandidates(t, 'text');
  assert.ok(tok.candidates.length > 0 && txt.candidates.length > 0);
  assert.ok(
    tok.candidates.some((a) => txt.candidates.some((b) => a.finding.start < b.finding.end && b.finding.start < a.finding.end)),
    'a token finding overlaps a text finding',
  );
  forgetScans();
});

it('adoptScanParts refuses parts that are not the two of this text', () => {
  const text = mixedText(11, 120);
  const tok = scanCandidates(text, 'token');
  const txt = scanCandidates(text, 'text');
  forgetScans();
  assert.equal(adoptScanParts(text, tok, tok), false, 'the same part twice');
  assert.equal(adoptScanParts(`${text} `, tok, txt), false, 'parts of another text (its length)');
  assert.equal(adoptScanParts(text, { ...tok, part: 'text' }, { ...txt, part: 'token' }), false, 'candidates of rules of the other part');
  const moved = { ...txt, candidates: txt.candidates.map((c) => ({ ...c, finding: { ...c.finding, start: c.finding.start + 1 } })) };
  assert.equal(adoptScanParts(text, tok, moved), false, 'a value that is not its span');
  const renamed = { ...tok, candidates: tok.candidates.map((c) => ({ ...c, rank: c.rank === 0 ? 1 : 0 })) };
  assert.equal(adoptScanParts(text, renamed, txt), false, 'a finding under another rule');
  assert.equal(adoptScanParts('short', tok, txt), false, 'a text the detector does not remember');
  assert.equal(scanIsRemembered(text), false, 'nothing was remembered');
  assert.equal(adoptScanParts(text, tok, txt), true);
  assert.equal(scanIsRemembered(text), true);
  assert.equal(scanIsRemembered(`${text} `), false, 'only that text');
  forgetScans();
});
