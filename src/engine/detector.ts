/**
 * Secret detector: a declarative rule table (regex + keyword prefilter + entropy floor + allowlist)
 * plus a sensitive-path classifier. Pure: no I/O, no state kept between calls.
 *
 * Design notes
 * - Two scopes. Token rules (prefixed API keys, JWTs, generic high-entropy strings) only ever match
 *   inside a "token run" (a maximal run of [A-Za-z0-9+/_.=-], at least 15 long). One linear pass
 *   collects those runs (slices of the text, no copies); token rules run over each run in turn and
 *   their offsets are shifted back by the run's start. Context rules (PEM blocks, connection strings,
 *   `NAME=value`, auth headers) need spaces and punctuation, so they run over the whole text.
 * - Keyword prefilter: a rule with `keywords` runs only if one of them (lower-case) occurs in its
 *   scope, case-insensitively. For token rules all keywords are found in one pass over the runs;
 *   for context rules one case-insensitive search per distinct keyword list. (N separate
 *   `includes` calls on a lower-cased copy cost far more than the regexes themselves at 1 MB.)
 * - A rule reports only the secret VALUE span (`group`), never the key name around it.
 * - Overlaps are resolved by rule order: RULES is sorted from most specific to most generic, and a
 *   finding is dropped when its span overlaps a finding of an earlier rule.
 * - Regexes are written without nested unbounded quantifiers over overlapping classes (no
 *   catastrophic backtracking); optional parts are bounded.
 * - Offsets are UTF-16 code-unit offsets into the scanned text (what `String.prototype.slice` uses).
 */

import { isCardNumber } from './cards.ts';
import { longRuns, rawCodesReader } from './raw-codes.ts';

export interface Finding {
  ruleId: string;
  label: string;
  severity: 'medium' | 'high' | 'critical';
  /** Offsets of the secret value in the scanned text: `text.slice(start, end) === value`. */
  start: number;
  end: number;
  /** The matched secret value (in memory only; callers hash it and never persist it). */
  value: string;
}

export interface DetectorRule {
  id: string;
  label: string;
  severity: Finding['severity'];
  /**
   * Lower-case substrings; the regex runs only if the text contains one of them (compared
   * case-insensitively, i.e. as if on the lower-cased text).
   */
  keywords?: string[];
  regex: RegExp;
  /** Capture group holding the secret value (default 0 = whole match; a rule's check may refine it). */
  group?: number;
  /** Minimum Shannon entropy (bits/char) of the value. */
  minEntropy?: number;
  /** A value matching any of these is treated as a placeholder and not reported. */
  allow?: RegExp[];
}

/** Context handed to a rule's extra check. */
interface MatchContext {
  /** The scanned text (original coordinates). */
  text: string;
  /** The regex match; for token-scope rules its indices refer to the token run it was found in. */
  match: RegExpExecArray;
  /** Span of the value in `text`. */
  start: number;
  end: number;
  /** Per-scan scratch space shared by checks (lazily computed facts about the text). */
  scan: ScanState;
}

interface ScanState {
  pem?: Array<[number, number]>;
}

/**
 * Internal rule shape: the public fields plus an optional extra check. The check returns false to
 * drop the match, true to keep it, or a refined [start, end] span (e.g. to trim a truncated PEM).
 */
interface InternalRule extends DetectorRule {
  /** 'token' = runs over each token run (see above); default 'text' = the whole text. */
  scope?: 'token' | 'text';
  /** token scope: shortest token run a match fits in (shorter runs are skipped without a regex call) */
  minRun?: number;
  check?: (value: string, ctx: MatchContext) => boolean | readonly [number, number];
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

const ENTROPY_COUNTS = new Uint32Array(128); // scratch, all zero between calls
/** Shannon entropy in bits per character (per UTF-16 code unit). */
export function shannonEntropy(s: string): number {
  const n = s.length;
  if (n === 0) return 0;
  const ascii = ENTROPY_COUNTS;
  let other: Map<number, number> | undefined;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 128) ascii[c]!++;
    else {
      other ??= new Map();
      other.set(c, (other.get(c) ?? 0) + 1);
    }
  }
  let h = 0;
  for (let c = 0; c < 128; c++) {
    const k = ascii[c]!;
    if (k > 0) {
      const p = k / n;
      h -= p * Math.log2(p);
      ascii[c] = 0;
    }
  }
  if (other) {
    for (const k of other.values()) {
      const p = k / n;
      h -= p * Math.log2(p);
    }
  }
  return h;
}

/**
 * Left boundary: not preceded by a word character, except when that character is the letter of a
 * JSON/string escape such as `\n` (so `"...\nghp_..."` still matches).
 */
const LB = String.raw`(?<!(?<!\\)[A-Za-z0-9_])`;
/** Same idea, for tokens whose alphabet also includes `-`. */
const LB_DASH = String.raw`(?<!(?<!\\)[A-Za-z0-9_-])`;

function re(source: string, flags = 'g'): RegExp {
  return new RegExp(source, flags);
}

const HEX_RE = /^[0-9a-fA-F]+$/;
const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function hasDigit(s: string): boolean {
  return /[0-9]/.test(s);
}

/**
 * Fraction of adjacent alphanumeric pairs that change character class (lower/upper/digit).
 * Separators (`-`, `_`, `/`, `+`, `=`, `.`) reset. Random base64 ≈ 0.6, random lower+digits ≈ 0.4,
 * camelCase identifiers ≈ 0.25, paths and kebab-case ≈ 0.
 */
function classTransitionRatio(s: string): number {
  let pairs = 0;
  let changes = 0;
  let prev = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const cls = c >= 97 && c <= 122 ? 1 : c >= 65 && c <= 90 ? 2 : c >= 48 && c <= 57 ? 3 : 0;
    if (cls !== 0 && prev !== 0) {
      pairs++;
      if (cls !== prev) changes++;
    }
    prev = cls;
  }
  return pairs === 0 ? 0 : changes / pairs;
}

/** A plausibly random body: not a slug or identifier, has some variety. */
function looksRandom(body: string): boolean {
  if (body.length < 16) return false;
  const mixedCase = /[a-z]/.test(body) && /[A-Z]/.test(body);
  if (!hasDigit(body) && !mixedCase) return false;
  if (shannonEntropy(body) < 3.0) return false;
  return classTransitionRatio(body) >= 0.2;
}

// ---------------------------------------------------------------------------------------------
// Allowlists (placeholders)
// ---------------------------------------------------------------------------------------------

/** Placeholders inside prefixed tokens: `ghp_xxxx…`, a body of one repeated char, `sk-your-key-here`. */
const TOKEN_PLACEHOLDERS: RegExp[] = [
  /^(?:[A-Za-z0-9]{1,12}[_.-]){0,3}(.)\1+$/, // prefix(es) then one repeated character
  /^(?:AKIA|ASIA|ABIA|ACCA)(.)\1+$/,
  /x{8,}/i,
  /\*{3,}/,
  /(?:^|[_.-])(?:your|my)[_.-]/i,
  /(?:^|[_.-])(?:placeholder|redacted|replace[_-]?me|change[_-]?me|insert[_-]your)(?:$|[_.-])/i,
  /[_.-](?:here|goes[_-]here)$/i,
  // documented example keys (AWS's AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY)
  /EXAMPLE(?:KEY)?$/,
  /(?:^|[_.-])(?:example|dummy|fake|mock)(?:$|[_.-])/i,
];

/**
 * Keys that are public or reach only a sandbox: Stripe test and publishable keys, Supabase
 * publishable keys, PostHog project keys, Mapbox public tokens.
 */
const TEST_OR_PUBLIC_KEY_RE = /^(?:(?:pk|sk|rk)_test_|pk_live_|sb_publishable_|phc_|pk\.eyJ)/;

/** Whole-value placeholders for assignments, connection strings and auth headers. */
const VALUE_PLACEHOLDERS: RegExp[] = [
  ...TOKEN_PLACEHOLDERS,
  /^(.)\1*$/, // all the same character
  /^\$\{[^}]*\}?$/, // ${VAR}
  /^\$\(/, // $(command)
  /^\$[A-Za-z_][A-Za-z0-9_]*$/, // $VAR
  /^%[A-Za-z_][A-Za-z0-9_]*%$/, // %VAR%
  /^\{\{.*\}\}$/, // {{ template }}
  /^\{[A-Za-z_][A-Za-z0-9_.]*\}$/, // {name}
  /^<[^>]*>$/, // <token>
  /^\[[^\]]*\]$/, // [password]
  /^%(?:\([A-Za-z_]+\))?s$/, // %s, %(password)s
  /^(?:none|null|nil|undefined|true|false|yes|no|on|off|empty|default|required|optional|string|str|number|int|integer|boolean|bool|any|object|unknown|inherit|env|secret|secrets|password|passwd|pass|pwd|token|apikey|api[_-]?key|key|value|changeme|change[_-]?me|example|sample|placeholder|dummy|redacted|hidden|masked|todo|tbd|test|testing|foo|bar|baz|foobar|admin|root|guest|user|username|postgres|postgresql|mysql|mariadb|redis|mongo|mongodb|rabbitmq|dbpass|dbpassword|[xX]{3,})$/i,
  /^(?:your|my|the)[_ -]?(?:api[_ -]?)?(?:key|token|secret|password|pass|pwd)/i,
  /^(?:replace|insert|enter|put|add|set)[_ -]?(?:me|your|the|here)/i,
  /^(?:sk|pk|rk)[_-](?:live|test)[_-]\.{3}$/,
  /^\.{3,}$|…/, // elided values
  /^(?:test|testing|fake|dummy|mock|example|sample|demo)[_-]/i, // test-key-12345, fake_token_for_ci
  TEST_OR_PUBLIC_KEY_RE,
  /^«secret:/, // mcpproxy-hook's own placeholder for a value it held back (engine/redaction.ts)
];

// ---------------------------------------------------------------------------------------------
// Checks used by several rules
// ---------------------------------------------------------------------------------------------

/** Base64url-decode; returns '' on failure. */
function b64urlDecode(s: string): string {
  try {
    return Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
  } catch {
    return '';
  }
}

function jsonOf(b64: string): Record<string, unknown> | null {
  const t = b64urlDecode(b64);
  if (!t.startsWith('{')) return null;
  try {
    const o = JSON.parse(t) as unknown;
    return typeof o === 'object' && o !== null && !Array.isArray(o) ? (o as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * A JWT meant to be public: Supabase's anon key (`"role":"anon"`), shipped in every browser bundle
 * of the app; what it can do is what row-level security lets anyone do. (`service_role` is a secret.)
 */
function publicJwt(value: string): boolean {
  const parts = value.split('.');
  if (parts.length < 2) return false;
  const p = jsonOf(parts[1] as string);
  return p !== null && p.role === 'anon';
}

function checkJwt(value: string): boolean {
  const dot = value.indexOf('.');
  if (dot <= 0) return false;
  const h = jsonOf(value.slice(0, dot));
  return h !== null && 'alg' in h && !publicJwt(value);
}

/** PEM block: needs a real body; an unterminated (truncated) block is trimmed to its last base64 line. */
function checkPrivateKey(value: string, ctx: MatchContext): boolean | readonly [number, number] {
  const headerEnd = value.indexOf('-----', 11) + 5; // end of "-----BEGIN ... -----"
  const body = value.slice(headerEnd);
  // A complete block needs some key material ("MIIE..." in docs is not enough); a truncated one a
  // full-looking line, so that code mentioning the header line is not reported.
  if (/-----END[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----$/.test(value)) return /[A-Za-z0-9+/]{8,}/.test(body);
  if (!/[A-Za-z0-9+/]{20,}/.test(body)) return false;
  // Truncated block: end the value after the last run of base64 that looks like key material.
  let lastEnd = -1;
  const runs = /[A-Za-z0-9+/=]{16,}/g;
  let m: RegExpExecArray | null;
  while ((m = runs.exec(body)) !== null) lastEnd = m.index + m[0].length;
  if (lastEnd < 0) return false;
  return [ctx.start, ctx.start + headerEnd + lastEnd];
}

function checkOpenAi(value: string): boolean {
  const body = value.replace(/^sk-(?:proj|svcacct|admin|None)-/, '').replace(/^sk-/, '');
  return looksRandom(body);
}

function checkSlackToken(value: string): boolean {
  const digits = value.replace(/[^0-9]/g, '').length;
  return digits >= 6;
}

function checkBasicAuth(value: string): boolean {
  const decoded = b64urlDecode(value);
  if (!/^[\x20-\x7e]+$/.test(decoded)) return false;
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon === decoded.length - 1) return false;
  const pass = decoded.slice(colon + 1);
  return !VALUE_PLACEHOLDERS.some((r) => r.test(pass));
}

function checkBearer(value: string): boolean {
  const v = value.replace(/=+$/, '');
  if (v.startsWith('eyJ')) {
    // a JWT: a secret only when whole and not a public one (a lone header is a test fixture)
    if (v.split('.').length < 3) return false;
    if (publicJwt(v)) return false;
  }
  if (v.length < 16) return false;
  if (!hasDigit(v)) return false;
  return shannonEntropy(v) >= 3.0 && classTransitionRatio(v) >= 0.15;
}

/** A card number as written (cards.ts). */
const checkCard = (value: string): boolean => isCardNumber(value, { testCards: false });

/** Telegram bot token: the run `A…` (35 chars) must follow `<5-16 digit bot id>:`; the span takes the id in. */
function checkTelegram(_value: string, ctx: MatchContext): boolean | readonly [number, number] {
  const { text, start } = ctx;
  if (start < 6 || text.charCodeAt(start - 1) !== 58) return false;
  let i = start - 1;
  while (i > 0 && i > start - 18 && text.charCodeAt(i - 1) >= 48 && text.charCodeAt(i - 1) <= 57) i--;
  const digits = start - 1 - i;
  if (digits < 5 || digits > 16) return false;
  const before = i > 0 ? text.charCodeAt(i - 1) : 32;
  // the id is not the tail of a longer word or number (`bot123…` in an API URL is fine)
  if ((before >= 48 && before <= 57) || before === 95) return false;
  return looksRandom(text.slice(start + 1, ctx.end)) ? [i, ctx.end] : false;
}

// ---- `NAME=value` style assignments ----------------------------------------------------------

const NAME_CHAR_RE = /[A-Za-z0-9_.-]/;

/** Walk back from `pos` over identifier characters (bounded) and return the start of the name. */
function nameStartBefore(text: string, pos: number): number {
  let i = pos;
  const limit = Math.max(0, pos - 64);
  while (i > limit && NAME_CHAR_RE.test(text[i - 1]!)) i--;
  // A JSON escape such as `\n` is not part of the name.
  if (i > 0 && text[i - 1] === '\\' && /[nrt]/.test(text[i]!)) i++;
  while (i < pos && (text[i] === '-' || text[i] === '.')) i++;
  return i;
}

/** Split `fooBarBAZ_qux-1` into lower-case words ['foo','bar','baz','qux','1']. */
function splitWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

const SECRET_NAME_RE =
  /secret|token|passw(?:or)?d|pwd|passphrase|api[_-]?key|apikey|private|credential|auth|access[_-]?key|signing[_-]?key|encryption[_-]?key|master[_-]?key|client[_-]?key/;

/** Parts of names that contain a secret keyword but do not name a secret. */
const BENIGN_NAME_PARTS_RE =
  /author(?!ization)|authori[sz](?:e|ed|es|ing|er)|authenticat[a-z]*|authority|authorities|tokeniz[a-z]*|oauth(?:url|uri|endpoint|provider)|passwordless|(?:forgot|reset|change|confirm|new|old|show|hide|toggle|validate|check|verify|hash)password|password(?:reset|policy|strength|hint|rules|field|input|label|confirm|confirmation|visible|visibility|match|length|hash|hashed|changed|expired)|(?:max|min|total|input|output|prompt|completion|cache|cached|reasoning|used|remaining)tokens?|tokens?(?:count|usage|used|limit|budget|remaining|total|type)|secretname|secretref|secretkeyref|private(?:ip|subnet|network|dns|registry|repo|package|mode|field|method|class|member)/g;

/** Last words of names that describe a setting about the secret rather than the secret. */
const NON_SECRET_LAST_WORDS = new Set([
  'url',
  'urls',
  'uri',
  'endpoint',
  'host',
  'hostname',
  'port',
  'path',
  'file',
  'filename',
  'dir',
  'directory',
  'type',
  'kind',
  'name',
  'id',
  'ids',
  'ttl',
  'expiry',
  'expires',
  'expiration',
  'exp',
  'timeout',
  'lifetime',
  'age',
  'length',
  'len',
  'size',
  'count',
  'limit',
  'max',
  'min',
  'header',
  'prefix',
  'suffix',
  'enabled',
  'enable',
  'disabled',
  'disable',
  'mode',
  'method',
  'provider',
  'algorithm',
  'alg',
  'algo',
  'policy',
  'region',
  'user',
  'username',
  'login',
  'email',
  'scope',
  'scopes',
  'version',
  'format',
  'issuer',
  'audience',
  'aud',
  'domain',
  'realm',
  'field',
  'param',
  'location',
  'store',
  'storage',
  'backend',
  'cache',
  'strategy',
  'label',
  'description',
  'desc',
  'hint',
  'prompt',
  'placeholder',
  'message',
  'msg',
  'error',
  'errors',
  'regex',
  'pattern',
  'rule',
  'rules',
  'required',
  'optional',
  'style',
  'class',
  'icon',
  'button',
  'link',
  'input',
  'form',
  'page',
  'route',
  'handler',
  'callback',
  'redirect',
  'validator',
  'validation',
  'schema',
  'flow',
  'grant',
  'request',
  'response',
  'mechanism',
  'plugin',
  'module',
  'service',
  'server',
  'env',
  'var',
  'variable',
  'command',
  'cmd',
  'script',
  'stdin',
  'helper',
  'manager',
  'level',
  'status',
  'state',
  'used',
  'usage',
  'budget',
  'hash',
  'ref',
  'version',
  'mount',
  'volume',
  'image',
  'encoding',
  'charset',
  'source',
  'src',
  'target',
  'dest',
  'destination',
]);

function nameLooksSecret(name: string): boolean {
  const words = splitWords(name);
  if (words.length === 0) return false;
  if (NON_SECRET_LAST_WORDS.has(words[words.length - 1]!)) return false;
  const joined = words.join('_').replace(BENIGN_NAME_PARTS_RE, ' ');
  const compact = words.join('').replace(BENIGN_NAME_PARTS_RE, ' ');
  return SECRET_NAME_RE.test(joined) || SECRET_NAME_RE.test(compact);
}

type AssignmentForm = 'quoted' | 'env' | 'line' | 'flag';

/** Value of an assignment: reject code, URLs, paths, numbers, versions, booleans and placeholders. */
function assignedValueLooksSecret(value: string, name: string, form: AssignmentForm): boolean {
  const v = value;
  if (v.length < 6) return false;
  if (VALUE_PLACEHOLDERS.some((r) => r.test(v))) return false;
  if (v.startsWith('eyJ') && publicJwt(v)) return false; // SUPABASE_ANON_KEY=eyJ… (role anon): public
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) return false; // URL (credentials in URLs have their own rules)
  if (/^(?:\/|~\/|\.{1,2}\/|[A-Za-z]:[\\/])/.test(v)) return false; // path
  if (/^[\^~<>=]|^v?\d+(?:\.\d+)+/.test(v)) return false; // version range
  if (/^[\d.,:]+(?:ms|s|m|h|d|w|y|k|kb|mb|gb)?$/i.test(v)) return false; // number, duration
  if (/\$\{|\{\{|%\(|#\{/.test(v)) return false; // interpolation: not a literal
  if (/^[A-Za-z_$][\w$]*(?:\??\.[A-Za-z_$][\w$]*)+$/.test(v) && !hasDigit(v)) return false; // member access
  // (a class holds no `[`: with any text to a `]`, every `[` of a long run of them was scanned to its end)
  if (/\[[^\][]*\]|\(\?/.test(v) && /[+*?]/.test(v)) return false; // a regular expression
  if (/^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*\(/.test(v)) return false; // call
  if (/^[A-Z_]+$/.test(v)) return false; // an env-var name, not its value
  if (/^[a-z]+(?:[-_][a-z]+)*$/.test(v) && !(form === 'env' && v.length >= 10)) return false; // plain word(s)
  if (/^[A-Z]?[a-z]+[.!?]?$/.test(v) && form !== 'env') return false; // a capitalised word: "Goodbye", "World!"
  if ((form === 'line' || form === 'flag') && /^[A-Za-z_]+$/.test(v)) return false; // identifier
  const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  const sv = squash(v);
  const sn = squash(name);
  if (sv.length === 0 || sn.endsWith(sv) || sv.endsWith(sn)) return false; // password: password, token: opts.token
  return true;
}

const ASSIGNMENT_FORMS: readonly AssignmentForm[] = ['quoted', 'env', 'line'];

/**
 * Check for the separator-anchored assignment regex: group 1 is the tail of the name (from the
 * keyword on), groups 2..4 the value in each syntax. Returns the value span.
 */
function checkAssignment(_whole: string, ctx: MatchContext): boolean | readonly [number, number] {
  const m = ctx.match;
  const ind = m.indices;
  if (!ind) return false;
  let g = 2;
  while (g <= 4 && m[g] === undefined) g++;
  const span = ind[g];
  const value = m[g];
  const tailSpan = ind[1];
  if (g > 4 || !span || value === undefined || !tailSpan) return false;
  const nameStart = nameStartBefore(ctx.text, tailSpan[0]);
  const name = ctx.text.slice(nameStart, tailSpan[1]);
  if (!nameLooksSecret(name) || !assignedValueLooksSecret(value, name, ASSIGNMENT_FORMS[g - 2]!)) return false;
  return [span[0], span[1]];
}

/** `--name value`: group 1 is the option name, group 2 the value. */
function checkFlagAssignment(value: string, ctx: MatchContext): boolean {
  const name = ctx.match[1];
  return name !== undefined && nameLooksSecret(name) && assignedValueLooksSecret(value, name, 'flag');
}

// ---- generic high-entropy tokens --------------------------------------------------------------

/** Keyword immediately before a token (same line), e.g. `token: `, `--secret `, `"apiKey": "`. */
const KEYWORD_BEFORE_RE =
  /(?:secret|token|passw(?:or)?d|pwd|api[_-]?key|apikey|auth|bearer|credential|private[_-]?key|access[_-]?key)[A-Za-z0-9_.-]{0,24}\\?["']?\s{0,3}(?:[:=]|=>|\s)\s{0,3}\\?["']?$/i;

/** Binary formats commonly embedded as base64 (images, fonts, PDFs, SSH public keys). */
const MEDIA_BASE64_PREFIX_RE =
  /^(?:iVBORw0KGgo|\/9j\/|R0lGOD|UklGR|JVBERi0|AAABAA|PHN2Zy|d09GR|d09GMk|T1RUTw|AAEAAAA|AAAA[BCE]3NzaC1|AAAAE2VjZHNh|AAAAC3NzaC1)/;

function keywordJustBefore(text: string, start: number): boolean {
  // at most 48 characters back, and not past the start of the line (bounded: no unbounded lastIndexOf)
  let before = text.slice(Math.max(0, start - 48), start);
  const nl = before.lastIndexOf('\n');
  if (nl >= 0) before = before.slice(nl + 1);
  return KEYWORD_BEFORE_RE.test(before);
}

function pemRanges(text: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let from = 0;
  for (;;) {
    const b = text.indexOf('-----BEGIN ', from);
    if (b < 0) break;
    const e = text.indexOf('-----END ', b);
    const end = e < 0 ? text.length : e;
    out.push([b, end]);
    from = end + 1;
  }
  return out;
}

/** Text before a token that labels it as a digest rather than a credential. */
const HASH_LABEL_RE =
  /(?:sha-?(?:1|224|256|384|512)|md5|hash|digest|checksum|integrity|fingerprint|etag|nonce|pin-sha256|signature)[A-Za-z0-9_]{0,24}(?:\.[A-Za-z]{1,16}\()?\\?["']?\s{0,3}[:=]?\s{0,3}\\?["']?$/i;

/**
 * Identifier made of words (JsonSchema7ArrayType, ApiGatewayRequestContextV2): most letters sit in
 * lower-case or Capitalised chunks of 3+ letters that have a vowel and no run of 4 consonants.
 * Random strings break into short chunks, or chunks without vowels.
 */
function identifierLike(core: string): boolean {
  // names carry a version or size or two (Base64, ChaCha20Poly1305); random strings many digit groups
  let groups = 0;
  for (let i = 0; i < core.length && groups < 3; i++) {
    const c = core.charCodeAt(i);
    if (c >= 48 && c <= 57 && !(i > 0 && core.charCodeAt(i - 1) >= 48 && core.charCodeAt(i - 1) <= 57)) groups++;
  }
  if (groups >= 3) return false;
  const chunks = core.match(/[A-Z]?[a-z]+|[A-Z]+(?![a-z])/g);
  if (!chunks) return false;
  let letters = 0;
  let wordy = 0;
  for (const c of chunks) {
    letters += c.length;
    if (c.length >= 3 && /^[A-Z]?[a-z]+$/.test(c) && /[aeiouy]/i.test(c) && !/[bcdfghjklmnpqrstvwxz]{4}/i.test(c)) wordy += c.length;
  }
  return letters >= 8 && wordy / letters >= 0.6;
}

/** Base64 that decodes to ordinary words and spaces (not to key material or JSON). */
function decodesToProse(core: string): boolean {
  if (core.length % 4 === 1 || !/^[A-Za-z0-9+/]+$/.test(core)) return false;
  const decoded = Buffer.from(core, 'base64'); // bytes, read as latin1 chars
  if (decoded.length < 8) return false;
  let printable = 0;
  let spaces = 0;
  let letters = 0;
  for (let i = 0; i < decoded.length; i++) {
    const c = decoded[i] as number;
    if (c >= 32 && c < 127) printable++;
    if (c === 32) spaces++;
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) letters++;
  }
  return printable === decoded.length && spaces >= 1 && (letters + spaces) / decoded.length >= 0.8;
}

/**
 * Documented identifier schemes: a type prefix, then a random body. These name objects (a tool
 * call, a message, a request, a deployment, a customer); they are shown in logs, URLs and
 * dashboards, and grant nothing. Keys of the same vendors have their own rules, which run first
 * (sk_live_, rk_live_, whsec_ …).
 */
const ID_PREFIX_RE =
  /^(?:srvtoolu|toolu|msg|msgbatch|req|chatcmpl|cmpl|call|resp|run|thread|asst|step|batch|ftjob|file|vs|gen|evt|cus|sub|pi|pm|ch|in|ii|il|prod|price|seti|src|txn|acct|po|tr|cs|plink|ba|card|user|org|sess|inv|dpl|prj|team|icfg|nonce|trace|span|job|conv|ws|cl|cm)[_-]|^vercel_icfg_/;

/** Last words of a key name that say its value is an identifier (`"id":`, `requestId=`, `gclid=`, `trace_id: `). */
const ID_NAME_WORDS = new Set(['id', 'ids', 'uuid', 'guid', 'gclid', 'fbclid', 'msclkid', 'dclid', 'nonce', 'cursor', 'etag']);
const NAME_BEFORE_RE = /([A-Za-z][A-Za-z0-9_.-]{0,40})\\?["']?\]?\s{0,3}(?::|=>|=)\s{0,3}\\?["']?$/;

function labelledAsId(before: string): boolean {
  const m = NAME_BEFORE_RE.exec(before);
  if (!m) return false;
  const words = splitWords(m[1] as string);
  const last = words[words.length - 1];
  return last !== undefined && ID_NAME_WORDS.has(last) && !words.some((w) => SECRET_NAME_RE.test(w));
}

/**
 * The token sits in the host or path of a URL (`https://vercel.com/team/app/<deployment id>`,
 * `https://app-<id>.vercel.app`): an address, meant to be shared. Query and fragment values
 * (`?access_token=…`) are not addresses; URLs whose path carries a credential (Slack, Discord,
 * Telegram webhooks) have rules of their own, which run first.
 */
function inUrlAddress(text: string, start: number): boolean {
  const from = Math.max(0, start - 256);
  for (let i = start - 1; i >= from; i--) {
    const c = text.charCodeAt(i);
    if (c <= 32 || c === 34 || c === 39 || c === 60 || c === 62 || c === 96 || c === 40 || c === 41) return false;
    if (c === 63 || c === 35 || c === 61 || c === 38) return false; // ? # = &: a query or fragment value
    if (c === 64) return false; // user@host: userinfo (the URL-credential rules look at it)
    if (c === 58 && text.charCodeAt(i + 1) === 47 && text.charCodeAt(i + 2) === 47) return i > 0 && /[A-Za-z]/.test(text[i - 1] as string);
  }
  return false;
}

/** The token is the payload or signature of a JWT (the JWT rule decides about the whole token). */
function inJwt(text: string, start: number): boolean {
  if (text.charCodeAt(start - 1) !== 46) return false;
  const before = text.slice(Math.max(0, start - 8200), start - 1);
  const m = /eyJ[A-Za-z0-9_-]{8,}(?:\.eyJ[A-Za-z0-9_-]{8,})?$/.exec(before);
  return m !== null;
}

function checkHighEntropy(value: string, ctx: MatchContext): boolean | readonly [number, number] {
  const { text } = ctx;
  let start = ctx.start;
  let v = value;
  // `\nAbC…` inside a JSON string: the escape letter is not part of the token.
  if (start > 0 && text[start - 1] === '\\' && /^[nrtbf]/.test(v)) {
    start++;
    v = v.slice(1);
  }
  const core = v.replace(/=+$/, '');
  // Cheap intrinsic tests first; the surrounding text is looked at only for survivors.
  if (core.length < 20 || !hasDigit(core)) return false;
  if (/^sha(?:1|224|256|384|512)-/i.test(core) || UUID_RE.test(core) || MEDIA_BASE64_PREFIX_RE.test(core)) return false;
  if (ID_PREFIX_RE.test(core) || TEST_OR_PUBLIC_KEY_RE.test(core)) return false; // toolu_…, msg_…, req_…: identifiers; pk_test_…: public or sandbox keys
  if (core.startsWith('eyJ') && jsonOf(core.split('.')[0] as string) !== null) return false; // a JWT's header or payload: the JWT rule decides
  // base64 of a PEM block that is not a private key (kubeconfig certificate-authority-data)
  if (core.startsWith('LS0tLS1CRUdJTi') && !/PRIVATE KEY/.test(Buffer.from(core.slice(0, 96), 'base64').toString('latin1'))) return false;
  let keyword: boolean | undefined;
  const labelled = (): boolean => (keyword ??= keywordJustBefore(text, start));

  let longestSeg = '';
  for (const seg of core.split(/[/_+.-]/)) if (seg.length > longestSeg.length) longestSeg = seg;
  const hexish = HEX_RE.test(core.replace(/-/g, '')) || countHex(core) / core.length >= 0.9 || (longestSeg.length >= 16 && HEX_RE.test(longestSeg)); // NODE_SEA_FUSE_<hex>, build-<hex>
  if (hexish) {
    // Commit ids, digests, checksums: only a secret when labelled as one (`token: 3f9a…`).
    if (shannonEntropy(core) < 3.0 || !labelled()) return false;
  } else {
    // URL and file paths (`github.com/org/repo/commit/<sha>`, `node_modules/@scope/pkg`): two or
    // more word-like segments between slashes. Random base64 almost never has those.
    if (core.includes('/')) {
      let wordy = 0;
      // (lower-case words, Capitalised or CamelCase words as in /Library/SystemExtensions, UUIDs)
      for (const seg of core.split('/'))
        if ((/^[a-z0-9][a-z0-9._-]*$/.test(seg) && /[a-z]{2}/.test(seg)) || /^(?:[A-Z][a-z]+){1,6}$/.test(seg) || UUID_RE.test(seg)) wordy++;
      if (wordy >= 2) return false;
    }
    // kebab/snake identifiers and slugs: require one long unbroken segment.
    const longest = longestSeg.length;
    if (longest < 12 || (longest < 16 && !labelled())) return false;
    if (!/[A-Za-z]/.test(core)) return false;
    // camelCase words change character class rarely; random strings often.
    const ratio = classTransitionRatio(core);
    if (ratio < 0.2 || (ratio < 0.3 && !labelled())) return false;
    const h = shannonEntropy(core);
    const floor = Math.min(4.0, Math.log2(core.length) - 0.45);
    if (h < 3.5 || (h < floor && !labelled())) return false;
    if (identifierLike(core) && !labelled()) return false; // JsonSchema7ArrayType, Uint8ClampedArray
    if (decodesToProse(core)) return false; // base64 of ordinary text (test fixtures, docs)
  }

  const before = text.slice(Math.max(0, start - 64), start);
  if (/\bh1:$/.test(before)) return false; // go.sum
  if (labelledAsId(before)) return false; // "id": "…", requestId=…: an identifier, labelled as one
  if (inUrlAddress(text, start) || inJwt(text, start)) return false;
  if (HASH_LABEL_RE.test(before)) return false; // a digest, labelled as one: `sha256: …`, `pin-sha256="…"`
  if (/data:(?:image|font|audio|video|application\/(?:font|x-font|json|octet-stream|vnd\.ms-fontobject))[^,\s]{0,60};base64,$/i.test(before)) {
    return false;
  }
  if (/(?:ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-nistp\d+|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com)\s+$/.test(before)) {
    return false; // SSH public key
  }
  ctx.scan.pem ??= pemRanges(text);
  if (ctx.scan.pem.some(([a, b]) => start >= a && start < b)) return false; // certificates, public keys
  return [start, ctx.end];
}

function countHex(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70)) n++;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// The rule table (most specific first: earlier rules win overlaps)
// ---------------------------------------------------------------------------------------------

/**
 * Value after `=` with no spaces (env files, shell, query strings): stops at whitespace, quotes,
 * shell operators; `=` only as trailing padding (so `a=b=c=…` cannot make each `=` rescan the rest).
 */
const UNQUOTED_VALUE = String.raw`[^\s"'\x60;&|<>(){}\[\],\\=]{1,512}={0,3}`;
/** Value inside quotes (no whitespace, quotes or backslashes). */
const QUOTED_VALUE = String.raw`[^\s"'\x60\\]{1,1024}`;
/** Value running to the end of a YAML / INI line. */
const LINE_VALUE = String.raw`[^\s"'\x60#,;{}\[\]&|<>()]{1,512}`;
const NAME_TAIL = String.raw`[A-Za-z0-9_.-]{0,40}`;
const SECRET_KW = String.raw`(?:secret|token|passw(?:or)?d|pwd|passphrase|api[_-]?key|apikey|private|credential|auth|access[_-]?key|signing[_-]?key|encryption[_-]?key|master[_-]?key|client[_-]?key)`;
const ASSIGN_KEYWORDS = [
  'secret',
  'token',
  'passw',
  'pwd',
  'passphrase',
  'api_key',
  'api-key',
  'apikey',
  'private',
  'credential',
  'auth',
  'access_key',
  'access-key',
  'accesskey',
  'signing',
  'encryption',
  'master_key',
  'masterkey',
  'client_key',
  'clientkey',
];
const DB_SCHEMES = String.raw`(?:jdbc:)?(?:postgres(?:ql)?|mysqlx?|mariadb|mongodb(?:\+srv)?|rediss?|redis-sentinel|amqps?|mssql|sqlserver|cockroachdb|clickhouse|couchdb|neo4j(?:\+s)?|bolt)`;
const URL_SCHEMES = String.raw`(?:https?|ftps?|sftp|ssh|git|wss?|smtps?|imaps?|pop3s?|ldaps?|svn|rsync)`;

const INTERNAL_RULES: InternalRule[] = [
  {
    id: 'private-key',
    label: 'Private key (PEM block)',
    severity: 'critical',
    // The regex starts with a literal, which is as cheap to search for as a keyword would be.
    regex: re(
      String.raw`-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:[A-Za-z0-9+/=:,.\s\\]|-(?!----)){0,32768}(?:-----END[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----)?`,
    ),
    check: checkPrivateKey,
  },
  {
    // A PEM private key that was base64-encoded as a whole (kubeconfig client-key-data, k8s
    // Secrets, CI variables): "-----BEGIN" encodes to "LS0tLS1CRUdJTi".
    id: 'private-key',
    label: 'Private key (base64-encoded PEM)',
    severity: 'critical',
    scope: 'token',
    keywords: ['ls0tls1crudjti'],
    regex: re(String.raw`LS0tLS1CRUdJTi[A-Za-z0-9+/]{40,65536}={0,2}(?![A-Za-z0-9+/=])`),
    check: (v) => /^-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY/.test(Buffer.from(v.slice(0, 96), 'base64').toString('latin1')),
  },
  {
    id: 'age-secret-key',
    label: 'age encryption secret key',
    severity: 'critical',
    scope: 'token',
    keywords: ['age-secret-key-1'],
    regex: re(String.raw`AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}(?![A-Za-z0-9])`),
    allow: TOKEN_PLACEHOLDERS,
  },
  {
    id: 'anthropic-key',
    label: 'Anthropic API key',
    severity: 'critical',
    scope: 'token',
    keywords: ['sk-ant-'],
    regex: re(LB_DASH + String.raw`sk-ant-[A-Za-z0-9]{2,12}-[A-Za-z0-9_-]{20,512}(?![A-Za-z0-9_-])`),
    allow: TOKEN_PLACEHOLDERS,
  },
  {
    id: 'openrouter-key',
    label: 'OpenRouter API key',
    severity: 'critical',
    scope: 'token',
    keywords: ['sk-or-v1-'],
    regex: re(LB_DASH + String.raw`sk-or-v1-[a-f0-9]{64}(?![A-Za-z0-9_-])`),
    allow: TOKEN_PLACEHOLDERS,
  },
  {
    id: 'openai-key',
    label: 'OpenAI API key',
    severity: 'critical',
    scope: 'token',
    keywords: ['sk-'],
    regex: re(LB_DASH + String.raw`sk-(?!ant-)(?:(?:proj|svcacct|admin|None)-)?[A-Za-z0-9_-]{20,512}(?![A-Za-z0-9_-])`),
    allow: TOKEN_PLACEHOLDERS,
    check: checkOpenAi,
  },
  {
    id: 'github-token',
    label: 'GitHub token',
    severity: 'critical',
    scope: 'token',
    keywords: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'],
    regex: re(LB + String.raw`(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{50,240})(?![A-Za-z0-9_])`),
    allow: TOKEN_PLACEHOLDERS,
  },
  {
    id: 'gitlab-token',
    label: 'GitLab token',
    severity: 'critical',
    scope: 'token',
    keywords: ['glpat-', 'gldt-', 'glrt-', 'glptt-', 'glft-', 'glsoat-', 'glcbt-', 'gloas-', 'glimt-', 'glagent-'],
    regex: re(LB_DASH + String.raw`gl(?:pat|dt|rt|ptt|ft|soat|cbt|oas|imt|agent)-[A-Za-z0-9_-]{20,200}(?:\.[A-Za-z0-9_-]{2,40}){0,3}(?![A-Za-z0-9_-])`),
    allow: TOKEN_PLACEHOLDERS,
  },
  {
    id: 'slack-webhook',
    label: 'Slack webhook URL',
    severity: 'high',
    scope: 'token',
    keywords: ['hooks.slack.com'],
    // The token run starts after "https:"; the check widens the span to the whole URL.
    regex: re(String.raw`//hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/-]{20,200}`),
    allow: TOKEN_PLACEHOLDERS,
    check: (_v, ctx) => (ctx.text.slice(ctx.start - 6, ctx.start) === 'https:' ? [ctx.start - 6, ctx.end] : true),
  },
  {
    id: 'slack-token',
    label: 'Slack token',
    severity: 'high',
    scope: 'token',
    keywords: ['xoxb-', 'xoxp-', 'xoxa-', 'xoxo-', 'xoxr-', 'xoxs-', 'xoxe', 'xapp-'],
    regex: re(LB_DASH + String.raw`(?:xox(?:[baposr]|e\.xox[bp])-[A-Za-z0-9-]{10,250}|xapp-[0-9]-[A-Za-z0-9-]{10,250})(?![A-Za-z0-9_-])`),
    allow: TOKEN_PLACEHOLDERS,
    check: checkSlackToken,
  },
  {
    id: 'stripe-key',
    label: 'Stripe live secret key',
    severity: 'critical',
    scope: 'token',
    keywords: ['_live_'],
    regex: re(LB + String.raw`(?:sk|rk)_live_[A-Za-z0-9]{20,247}(?![A-Za-z0-9_])`),
    allow: TOKEN_PLACEHOLDERS,
  },
  {
    id: 'stripe-webhook-secret',
    label: 'Stripe webhook signing secret',
    severity: 'high',
    scope: 'token',
    keywords: ['whsec_'],
    regex: re(LB + String.raw`whsec_[A-Za-z0-9+/]{24,128}(?![A-Za-z0-9_])`),
    allow: TOKEN_PLACEHOLDERS,
  },
  {
    id: 'aws-access-key-id',
    label: 'AWS access key ID',
    severity: 'critical',
    scope: 'token',
    keywords: ['akia', 'asia', 'abia', 'acca'],
    regex: re(LB + String.raw`(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?![A-Za-z0-9])`),
    allow: TOKEN_PLACEHOLDERS,
  },
  {
    // aws_secret_access_key / AWS_SECRET_KEY / SecretAccessKey / secret-access-key, then a separator
    // and exactly 40 base64 characters. Starts with the literal "secret" (cheap to search for).
    id: 'aws-secret-access-key',
    label: 'AWS secret access key',
    severity: 'critical',
    regex: re(
      String.raw`secret(?:(?<=aws[_.-]?secret)[_.-]?(?:access[_.-]?)?|[_.-]?access[_.-]?)key(?![A-Za-z0-9])\\{0,3}["']?\s{0,4}(?:=>|:=|[:=,]|\s)\s{0,4}\\{0,3}["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])`,
      'gid',
    ),
    group: 1,
    allow: TOKEN_PLACEHOLDERS,
  },
  {
    id: 'azure-storage-key',
    label: 'Azure storage account key',
    severity: 'critical',
    scope: 'token',
    keywords: ['accountkey='],
    regex: re(String.raw`AccountKey=([A-Za-z0-9+/]{86}==)`, 'gid'),
    group: 1,
    allow: TOKEN_PLACEHOLDERS,
  },
  {
    id: 'google-api-key',
    label: 'Google API key',
    severity: 'high',
    scope: 'token',
    keywords: ['aiza'],
    regex: re(LB_DASH + String.raw`AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])`),
    allow: TOKEN_PLACEHOLDERS,
  },
  {
    id: 'google-oauth-client-secret',
    label: 'Google OAuth client secret',
    severity: 'high',
    scope: 'token',
    keywords: ['gocspx-'],
    regex: re(LB + String.raw`GOCSPX-[A-Za-z0-9_-]{28}(?![A-Za-z0-9_-])`),
    allow: TOKEN_PLACEHOLDERS,
  },
  {
    id: 'npm-token',
    label: 'npm access token',
    severity: 'critical',
    scope: 'token',
    keywords: ['npm_'],
    regex: re(LB + String.raw`npm_[A-Za-z0-9]{36}(?![A-Za-z0-9_])`),
    allow: TOKEN_PLACEHOLDERS,
  },
  {
    id: 'pypi-token',
    label: 'PyPI API token',
    severity: 'critical',
    scope: 'token',
    keywords: ['pypi-'],
    regex: re(LB_DASH + String.raw`pypi-AgE[A-Za-z0-9_-]{50,400}(?![A-Za-z0-9_-])`),
    allow: TOKEN_PLACEHOLDERS,
  },
  {
    id: 'huggingface-token',
    label: 'Hugging Face access token',
    severity: 'high',
    scope: 'token',
    keywords: ['hf_'],
    regex: re(LB + String.raw`hf_[A-Za-z0-9]{34,40}(?![A-Za-z0-9_])`),
    allow: TOKEN_PLACEHOLDERS,
    check: (v) => looksRandom(v.slice(3)),
  },
  {
    id: 'sendgrid-key',
    label: 'SendGrid API key',
    severity: 'high',
    scope: 'token',
    keywords: ['sg.'],
    regex: re(LB + String.raw`SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])`),
    allow: TOKEN_PLACEHOLDERS,
  },
  {
    id: 'groq-key',
    label: 'Groq API key',
    severity: 'critical',
    scope: 'token',
    keywords: ['gsk_'],
    regex: re(LB + String.raw`gsk_[A-Za-z0-9]{52}(?![A-Za-z0-9_])`),
    allow: TOKEN_PLACEHOLDERS,
  },
  {
    id: 'xai-key',
    label: 'xAI API key',
    severity: 'critical',
    scope: 'token',
    keywords: ['xai-'],
    regex: re(LB_DASH + String.raw`xai-[A-Za-z0-9]{80}(?![A-Za-z0-9_-])`),
    allow: TOKEN_PLACEHOLDERS,
  },
  {
    id: 'digitalocean-token',
    label: 'DigitalOcean token',
    severity: 'critical',
    scope: 'token',
    keywords: ['dop_v1_', 'doo_v1_', 'dor_v1_'],
    regex: re(LB + String.raw`do[opr]_v1_[a-f0-9]{64}(?![A-Za-z0-9_])`),
    allow: TOKEN_PLACEHOLDERS,
  },
  {
    id: 'docker-hub-token',
    label: 'Docker Hub access token',
    severity: 'high',
    scope: 'token',
    keywords: ['dckr_pat_', 'dckr_oat_'],
    regex: re(LB + String.raw`dckr_(?:pat|oat)_[A-Za-z0-9_-]{27,80}(?![A-Za-z0-9_-])`),
    allow: TOKEN_PLACEHOLDERS,
  },
  {
    id: 'shopify-token',
    label: 'Shopify access token',
    severity: 'high',
    scope: 'token',
    keywords: ['shpat_', 'shpca_', 'shppa_', 'shpss_'],
    regex: re(LB + String.raw`shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}(?![A-Za-z0-9_])`),
    allow: TOKEN_PLACEHOLDERS,
  },
  {
    id: 'hashicorp-vault-token',
    label: 'HashiCorp Vault token',
    severity: 'high',
    scope: 'token',
    keywords: ['hvs.', 'hvb.', 'hvr.'],
    regex: re(LB + String.raw`hv[sbr]\.[A-Za-z0-9_-]{24,400}(?![A-Za-z0-9_-])`),
    allow: TOKEN_PLACEHOLDERS,
    check: (v) => looksRandom(v.slice(4)),
  },
  {
    id: 'databricks-token',
    label: 'Databricks access token',
    severity: 'high',
    scope: 'token',
    keywords: ['dapi'],
    regex: re(LB + String.raw`dapi[a-f0-9]{32}(?:-[0-9])?(?![A-Za-z0-9_])`),
    allow: TOKEN_PLACEHOLDERS,
  },
  {
    id: 'linear-api-key',
    label: 'Linear API key',
    severity: 'high',
    scope: 'token',
    keywords: ['lin_api_'],
    regex: re(LB + String.raw`lin_api_[A-Za-z0-9]{40}(?![A-Za-z0-9_])`),
    allow: TOKEN_PLACEHOLDERS,
  },
  {
    // "SK" + 32 hex: upper-case "SK" is not hex, so the shape is distinctive enough on its own.
    id: 'twilio-api-key',
    label: 'Twilio API key',
    severity: 'high',
    scope: 'token',
    minRun: 34,
    regex: re(LB + String.raw`SK[0-9a-fA-F]{32}(?![A-Za-z0-9_])`),
    allow: TOKEN_PLACEHOLDERS,
  },
  {
    // organization tokens: sntrys_ + base64 JSON (iat, url, region_url, org) + _ + 43-char secret; user tokens: sntryu_ + 64 hex
    id: 'sentry-token',
    label: 'Sentry auth token',
    severity: 'critical',
    scope: 'token',
    keywords: ['sntrys_', 'sntryu_'],
    regex: re(LB + String.raw`(?:sntrys_eyJ[A-Za-z0-9+/]{30,400}={0,2}_[A-Za-z0-9+/]{43}|sntryu_[a-f0-9]{64})(?![A-Za-z0-9_+/])`),
    allow: TOKEN_PLACEHOLDERS,
  },
  {
    // Grafana Cloud access policy tokens (glc_ + base64 JSON), service account tokens (glsa_ + 32 + _ + 8-hex checksum)
    id: 'grafana-token',
    label: 'Grafana token',
    severity: 'critical',
    scope: 'token',
    keywords: ['glc_', 'glsa_'],
    regex: re(LB + String.raw`(?:glc_[A-Za-z0-9+/]{32,400}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})(?![A-Za-z0-9_+/=])`),
    allow: TOKEN_PLACEHOLDERS,
    check: (v) => looksRandom(v.slice(v.indexOf('_') + 1)),
  },
  {
    // base64 of {"k":"…","n":"…","id":…}
    id: 'grafana-token',
    label: 'Grafana API key (legacy)',
    severity: 'high',
    scope: 'token',
    keywords: ['eyjrijoi'],
    regex: re(LB + String.raw`eyJrIjoi[A-Za-z0-9]{60,400}={0,2}(?![A-Za-z0-9_+/=-])`),
    allow: TOKEN_PLACEHOLDERS,
    check: (v) => b64urlDecode(v.replace(/=+$/, '')).startsWith('{"k":"'),
  },
  {
    id: 'postman-key',
    label: 'Postman API key',
    severity: 'critical',
    scope: 'token',
    keywords: ['pmak-'],
    regex: re(LB_DASH + String.raw`PMAK-[a-f0-9]{24}-[a-f0-9]{34}(?![A-Za-z0-9_-])`),
    allow: TOKEN_PLACEHOLDERS,
  },
  {
    id: 'newrelic-key',
    label: 'New Relic API key',
    severity: 'critical',
    scope: 'token',
    keywords: ['nrak-', 'nrii-'],
    regex: re(LB_DASH + String.raw`(?:NRAK-[A-Z0-9]{27}|NRII-[A-Za-z0-9_-]{32})(?![A-Za-z0-9_-])`),
    allow: TOKEN_PLACEHOLDERS,
    check: (v) => looksRandom(v.slice(5)),
  },
  {
    id: 'newrelic-key',
    label: 'New Relic license key',
    severity: 'critical',
    scope: 'token',
    keywords: ['nral'],
    regex: re(LB + String.raw`[a-f0-9]{36}NRAL(?![A-Za-z0-9_])`),
    allow: TOKEN_PLACEHOLDERS,
  },
  {
    id: 'doppler-token',
    label: 'Doppler token',
    severity: 'critical',
    scope: 'token',
    keywords: ['dp.pt.', 'dp.st.', 'dp.sa.', 'dp.ct.', 'dp.scim.', 'dp.audit.'],
    regex: re(LB + String.raw`dp\.(?:pt|st|sa|ct|scim|audit)\.(?:[a-z0-9_-]{1,40}\.)?[A-Za-z0-9]{40,44}(?![A-Za-z0-9_.-])`),
    allow: TOKEN_PLACEHOLDERS,
    check: (v) => looksRandom(v.slice(v.lastIndexOf('.') + 1)),
  },
  {
    id: 'pulumi-token',
    label: 'Pulumi access token',
    severity: 'critical',
    scope: 'token',
    keywords: ['pul-'],
    regex: re(LB_DASH + String.raw`pul-[a-f0-9]{40}(?![A-Za-z0-9_-])`),
    allow: TOKEN_PLACEHOLDERS,
  },
  {
    id: 'terraform-cloud-token',
    label: 'Terraform Cloud / Enterprise API token',
    severity: 'critical',
    scope: 'token',
    keywords: ['.atlasv1.'],
    regex: re(LB + String.raw`[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70}(?![A-Za-z0-9_=-])`),
    allow: TOKEN_PLACEHOLDERS,
  },
  {
    id: 'notion-token',
    label: 'Notion integration token',
    severity: 'critical',
    scope: 'token',
    keywords: ['ntn_', 'secret_'],
    regex: re(LB + String.raw`(?:ntn_[0-9]{11}[A-Za-z0-9]{35}|secret_[A-Za-z0-9]{43})(?![A-Za-z0-9_])`),
    allow: TOKEN_PLACEHOLDERS,
    check: (v) => looksRandom(v.slice(v.indexOf('_') + 1)),
  },
  {
    id: 'perplexity-key',
    label: 'Perplexity API key',
    severity: 'critical',
    scope: 'token',
    keywords: ['pplx-'],
    regex: re(LB_DASH + String.raw`pplx-[A-Za-z0-9]{48}(?![A-Za-z0-9_-])`),
    allow: TOKEN_PLACEHOLDERS,
    check: (v) => looksRandom(v.slice(5)),
  },
  {
    id: 'heroku-key',
    label: 'Heroku API key',
    severity: 'critical',
    scope: 'token',
    keywords: ['hrku-'],
    regex: re(LB_DASH + String.raw`HRKU-[A-Za-z0-9_-]{40,80}(?![A-Za-z0-9_-])`),
    allow: TOKEN_PLACEHOLDERS,
    check: (v) => looksRandom(v.slice(5)),
  },
  {
    // `<bot id>:<35 chars>`: the `:` ends a token run, so the rule matches the run after it and the check takes the bot id in front
    id: 'telegram-bot-token',
    label: 'Telegram bot token',
    severity: 'critical',
    scope: 'token',
    minRun: 35,
    regex: re(String.raw`^A[A-Za-z0-9_-]{34}(?![A-Za-z0-9_-])`),
    allow: TOKEN_PLACEHOLDERS,
    check: checkTelegram,
  },
  {
    id: 'atlassian-token',
    label: 'Atlassian API token',
    severity: 'critical',
    scope: 'token',
    keywords: ['atatt3', 'atctt3'],
    regex: re(LB_DASH + String.raw`AT[AC]TT3[A-Za-z0-9_=-]{150,250}(?![A-Za-z0-9_=-])`),
    allow: TOKEN_PLACEHOLDERS,
  },
  {
    // scannable format: cfk_ (global key), cfut_ (user token), cfat_ (account token) + 40 chars + checksum
    id: 'cloudflare-token',
    label: 'Cloudflare API token',
    severity: 'critical',
    scope: 'token',
    keywords: ['cfk_', 'cfut_', 'cfat_'],
    regex: re(LB + String.raw`cf(?:k|ut|at)_[A-Za-z0-9]{40,50}(?![A-Za-z0-9_])`),
    allow: TOKEN_PLACEHOLDERS,
    check: (v) => looksRandom(v.slice(v.indexOf('_') + 1)),
  },
  {
    id: 'cloudflare-token',
    label: 'Cloudflare Origin CA key',
    severity: 'critical',
    scope: 'token',
    keywords: ['v1.0-'],
    regex: re(LB_DASH + String.raw`v1\.0-[a-f0-9]{24}-[a-f0-9]{146}(?![A-Za-z0-9_-])`),
    allow: TOKEN_PLACEHOLDERS,
  },
  {
    id: 'vercel-token',
    label: 'Vercel token',
    severity: 'critical',
    scope: 'token',
    keywords: ['vcp_', 'vci_', 'vca_', 'vcr_', 'vck_'],
    regex: re(LB + String.raw`vc[piark]_[A-Za-z0-9]{24,64}(?![A-Za-z0-9_])`),
    allow: TOKEN_PLACEHOLDERS,
    check: (v) => looksRandom(v.slice(4)),
  },
  {
    id: 'supabase-secret-key',
    label: 'Supabase secret key',
    severity: 'critical',
    scope: 'token',
    keywords: ['sb_secret_'],
    regex: re(LB + String.raw`sb_secret_[A-Za-z0-9_-]{20,80}(?![A-Za-z0-9_-])`),
    allow: TOKEN_PLACEHOLDERS,
  },
  {
    id: 'mailgun-key',
    label: 'Mailgun API key',
    severity: 'high',
    scope: 'token',
    keywords: ['key-'],
    regex: re(LB_DASH + String.raw`key-[a-f0-9]{32}(?![A-Za-z0-9_-])`),
    allow: TOKEN_PLACEHOLDERS,
    check: (v) => looksRandom(v.slice(4)),
  },
  {
    id: 'mailchimp-key',
    label: 'Mailchimp API key',
    severity: 'high',
    scope: 'token',
    keywords: ['-us'],
    regex: re(LB + String.raw`[a-f0-9]{32}-us[0-9]{1,2}(?![A-Za-z0-9_-])`),
    allow: TOKEN_PLACEHOLDERS,
    check: (v) => looksRandom(v.slice(0, 32)),
  },
  {
    id: 'airtable-token',
    label: 'Airtable personal access token',
    severity: 'high',
    scope: 'token',
    minRun: 82,
    keywords: ['pat'],
    regex: re(LB + String.raw`pat[A-Za-z0-9]{14}\.[a-f0-9]{64}(?![A-Za-z0-9_])`),
    allow: TOKEN_PLACEHOLDERS,
  },
  {
    id: 'figma-token',
    label: 'Figma personal access token',
    severity: 'high',
    scope: 'token',
    keywords: ['figd_'],
    regex: re(LB + String.raw`figd_[A-Za-z0-9_-]{40}(?![A-Za-z0-9_-])`),
    allow: TOKEN_PLACEHOLDERS,
    check: (v) => looksRandom(v.slice(5)),
  },
  {
    id: 'replicate-token',
    label: 'Replicate API token',
    severity: 'high',
    scope: 'token',
    keywords: ['r8_'],
    regex: re(LB + String.raw`r8_[A-Za-z0-9]{37}(?![A-Za-z0-9_])`),
    allow: TOKEN_PLACEHOLDERS,
    check: (v) => looksRandom(v.slice(3)),
  },
  {
    id: 'planetscale-token',
    label: 'PlanetScale token or password',
    severity: 'critical',
    scope: 'token',
    keywords: ['pscale_'],
    regex: re(LB + String.raw`pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_.-]{32,64}(?![A-Za-z0-9_.-])`),
    allow: TOKEN_PLACEHOLDERS,
    check: (v) => looksRandom(v.slice(v.indexOf('_', 7) + 1)),
  },
  {
    id: 'neon-key',
    label: 'Neon API key',
    severity: 'critical',
    scope: 'token',
    keywords: ['napi_'],
    regex: re(LB + String.raw`napi_[a-z0-9]{64}(?![A-Za-z0-9_])`),
    allow: TOKEN_PLACEHOLDERS,
    check: (v) => looksRandom(v.slice(5)),
  },
  {
    id: 'netlify-token',
    label: 'Netlify access token',
    severity: 'critical',
    scope: 'token',
    keywords: ['nfp_'],
    regex: re(LB + String.raw`nfp_[A-Za-z0-9]{36}(?![A-Za-z0-9_])`),
    allow: TOKEN_PLACEHOLDERS,
    check: (v) => looksRandom(v.slice(4)),
  },
  {
    id: 'render-key',
    label: 'Render API key',
    severity: 'critical',
    scope: 'token',
    keywords: ['rnd_'],
    regex: re(LB + String.raw`rnd_[A-Za-z0-9]{32}(?![A-Za-z0-9_])`),
    allow: TOKEN_PLACEHOLDERS,
    check: (v) => looksRandom(v.slice(4)),
  },
  {
    id: 'square-token',
    label: 'Square access token',
    severity: 'critical',
    scope: 'token',
    keywords: ['eaaa', 'sq0atp-', 'sq0csp-'],
    regex: re(LB_DASH + String.raw`(?:EAAA[A-Za-z0-9_-]{60}|sq0atp-[A-Za-z0-9_-]{22}|sq0csp-[A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])`),
    allow: TOKEN_PLACEHOLDERS,
    check: (v) => looksRandom(v.slice(v.startsWith('EAAA') ? 4 : 7)),
  },
  {
    id: 'mapbox-secret-token',
    label: 'Mapbox secret token',
    severity: 'high',
    scope: 'token',
    keywords: ['sk.eyj'],
    regex: re(LB + String.raw`sk\.eyJ[A-Za-z0-9_-]{20,300}\.[A-Za-z0-9_-]{20,60}(?![A-Za-z0-9_.-])`),
    allow: TOKEN_PLACEHOLDERS,
  },
  {
    id: 'flyio-token',
    label: 'Fly.io token',
    severity: 'critical',
    scope: 'token',
    keywords: ['fo1_', 'fm1_', 'fm2_'],
    regex: re(LB + String.raw`(?:fo1_[A-Za-z0-9_-]{43}|fm[12][ar]?_[A-Za-z0-9+/]{100,4096}={0,3})(?![A-Za-z0-9_+/=-])`),
    allow: TOKEN_PLACEHOLDERS,
  },
  {
    // 13-19 digits from a card issuer's range, grouped as cards are written (or not at all), Luhn-valid;
    // checked on the way out even when no tool of the session returned it. The documented test card
    // numbers (4242 4242 4242 4242, 4111 1111 1111 1111 …) are not cardholder data.
    id: 'payment-card',
    label: 'payment card number',
    severity: 'high',
    regex: re(
      String.raw`(?<![0-9A-Za-z_.,/:+-])(?:4[0-9]{3}|5[1-5][0-9]{2}|2[2-7][0-9]{2}|3[47][0-9]{2}|6(?:011|5[0-9]{2}))(?:[ -]?[0-9]){9,15}(?![0-9A-Za-z_/-])`,
    ),
    check: checkCard,
  },
  {
    id: 'jwt',
    label: 'JSON Web Token',
    severity: 'high',
    scope: 'token',
    keywords: ['eyj'],
    regex: re(LB_DASH + String.raw`eyJ[A-Za-z0-9_-]{8,2048}\.ey[A-Za-z0-9_-]{8,8192}\.[A-Za-z0-9_-]{20,1024}(?![A-Za-z0-9_-])`),
    check: checkJwt,
  },
  {
    id: 'connection-string-password',
    label: 'Password in a database connection string',
    severity: 'critical',
    // anchored on "://" (cheap to find), the scheme is checked by the lookbehind
    regex: re(String.raw`://(?<=(?<![A-Za-z0-9+.-])` + DB_SCHEMES + String.raw`://)[^\s:@/?#"'<>]{0,128}:([^\s@/?#"'<>]{4,256})@`, 'gid'),
    group: 1,
    allow: VALUE_PLACEHOLDERS,
  },
  {
    id: 'url-credentials',
    label: 'Password in a URL',
    severity: 'high',
    regex: re(String.raw`://(?<=(?<![A-Za-z0-9+.-])` + URL_SCHEMES + String.raw`://)[^\s:@/?#"'<>]{1,128}:([^\s@/?#"'<>]{4,256})@`, 'gid'),
    group: 1,
    allow: VALUE_PLACEHOLDERS,
  },
  {
    id: 'basic-auth',
    label: 'HTTP Basic credentials',
    severity: 'high',
    regex: re(String.raw`(?<![A-Za-z0-9_])[Bb]asic\s{1,4}([A-Za-z0-9+/]{8,1024}={0,2})(?![A-Za-z0-9+/=_-])`, 'gid'),
    group: 1,
    allow: VALUE_PLACEHOLDERS,
    check: checkBasicAuth,
  },
  {
    id: 'bearer-token',
    label: 'Bearer token',
    severity: 'high',
    regex: re(String.raw`(?<![A-Za-z0-9_])[Bb]earer\s{1,4}([A-Za-z0-9._~+/-]{16,4096}={0,2})(?![A-Za-z0-9._~+/=-])`, 'gid'),
    group: 1,
    allow: VALUE_PLACEHOLDERS,
    minEntropy: 3.0,
    check: checkBearer,
  },
  {
    // NAME=value, "name": "value", name: value, name = value. Anchored on the separator (":" or
    // "="), the name is checked by a lookbehind; the value group depends on the syntax, so the
    // check picks it (group 0 only locates the match).
    id: 'dotenv-secret',
    label: 'Secret assigned to a credential-named key',
    severity: 'high',
    keywords: ASSIGN_KEYWORDS,
    regex: re(
      String.raw`(?::=|=>|[:=])(?<=(` +
        SECRET_KW +
        NAME_TAIL +
        String.raw`)\\{0,3}["']?\]?\s{0,3}(?::=|=>|[:=]))(?:` +
        // 2: quoted value after any separator
        String.raw`\s{0,3}\\{0,3}["'\x60](` +
        QUOTED_VALUE +
        String.raw`)\\{0,3}["'\x60]` +
        // 3: NAME=value (env file, shell, query string, --name=value): no space around "="
        String.raw`|(?<=[A-Za-z0-9_.-]=)(?![=>])(` +
        UNQUOTED_VALUE +
        String.raw`)(?=$|[\s"'\x60;&|,)}\]\\])` +
        // 4: `name: value` / `name = value` running to the end of the line (YAML, INI, headers)
        String.raw`|(?<!=[=>])[ \t]{1,8}(` +
        LINE_VALUE +
        String.raw`)(?=[ \t]*(?:#[^\n]*)?\r?$)` +
        ')',
      'gimd',
    ),
    allow: VALUE_PLACEHOLDERS,
    check: checkAssignment,
  },
  {
    // .netrc / _netrc: `machine host login user password secret` (space-separated, any layout)
    id: 'dotenv-secret',
    label: 'Password in a .netrc entry',
    severity: 'high',
    // (gated like the assignment rules: the match holds "passw", and one keyword pass serves all)
    keywords: ASSIGN_KEYWORDS,
    regex: re(String.raw`(passw(?:or)?d)(?<=(?<![A-Za-z0-9_-])passw(?:or)?d)[ \t]+([^\s"'\x60]{4,256})(?=\s|$)(?<=\bmachine\s[\s\S]{0,300})`, 'gid'),
    group: 2,
    allow: VALUE_PLACEHOLDERS,
    check: (v, ctx) => assignedValueLooksSecret(v, ctx.match[1] ?? 'password', 'flag'),
  },
  {
    // --token value, --password value (a command-line option followed by its value)
    id: 'dotenv-secret',
    label: 'Secret passed as a command-line option',
    severity: 'high',
    keywords: ASSIGN_KEYWORDS,
    regex: re(
      String.raw`(?<![A-Za-z0-9_-])--([A-Za-z0-9-]{0,30}?` +
        SECRET_KW +
        String.raw`[A-Za-z0-9-]{0,30})[ \t]{1,4}(?![-=:])(` +
        UNQUOTED_VALUE +
        String.raw`)(?=$|[\s"'\x60;&|,)}\]])`,
      'gid',
    ),
    group: 2,
    allow: VALUE_PLACEHOLDERS,
    check: checkFlagAssignment,
  },
  {
    id: 'high-entropy-token',
    label: 'High-entropy string (possible secret)',
    severity: 'medium',
    scope: 'token',
    regex: re(String.raw`(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{20,4096}={0,2}(?![A-Za-z0-9+/=_-])`),
    minEntropy: 3.0,
    allow: [/^(.)\1*$/, /x{8,}/i, /EXAMPLE(?:KEY)?$/],
    check: checkHighEntropy,
  },
];

/**
 * The rule table, most specific first. An id may appear more than once when one kind of secret has
 * several syntaxes (live/test Stripe keys, PEM vs base64-wrapped PEM, the assignment forms).
 */
export const RULES: readonly DetectorRule[] = INTERNAL_RULES;

// ---------------------------------------------------------------------------------------------
// Scanner
// ---------------------------------------------------------------------------------------------

/** Callers may build rules without the flags we need; keep a compiled copy per regex. */
const compiledCache = new WeakMap<RegExp, RegExp>();

function compiledRegex(rule: DetectorRule): RegExp {
  let r = compiledCache.get(rule.regex);
  if (!r) {
    let flags = rule.regex.flags;
    if (!flags.includes('g')) flags += 'g';
    if (!flags.includes('d') && ((rule.group ?? 0) !== 0 || (rule as InternalRule).check === checkAssignment)) flags += 'd';
    r = flags === rule.regex.flags ? rule.regex : new RegExp(rule.regex.source, flags);
    compiledCache.set(rule.regex, r);
  }
  return r;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** One case-insensitive search per distinct keyword list (text-scope rules). */
const keywordRegexCache = new Map<string, RegExp>();
/** The same, by the rule's own list (joining every list for the key at every scan was ~2% of the sidecar's CPU) */
const keywordRegexOf = new WeakMap<readonly string[], RegExp>();

function keywordRegex(keywords: readonly string[]): RegExp {
  let r = keywordRegexOf.get(keywords);
  if (r) return r;
  const key = keywords.join('\u0000');
  r = keywordRegexCache.get(key);
  if (!r) {
    r = new RegExp(trieSource(keywords), 'i');
    keywordRegexCache.set(key, r);
  }
  keywordRegexOf.set(keywords, r);
  return r;
}

/** Token runs: maximal runs of [A-Za-z0-9+/_.=-] that are at least MIN_TOKEN_RUN long. */
const MIN_TOKEN_RUN = 15;
const TOKEN_CHAR = new Uint8Array(65536);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_.=-') TOKEN_CHAR[c.charCodeAt(0)] = 1;
const ESCAPE_LETTER = new Uint8Array(128);
for (const c of 'nrtbfu0') ESCAPE_LETTER[c.charCodeAt(0)] = 1;

interface TokenRuns {
  /** The runs, each a slice of the text (V8 keeps a slice as a view: no copy). */
  parts: string[];
  /** For run i: its offset in the original text. */
  textStarts: number[];
}

/**
 * Find the token runs with a skip-ahead scan: a run of length >= L that starts at or after i must
 * contain position i + L - 1, so when that character is not a token character we jump past it.
 */
function collectTokenRuns(src: string): TokenRuns {
  const parts: string[] = [];
  const textStarts: number[] = [];
  const n = src.length;
  const raw = rawCodes(src);
  if (RUNS.length < 2 * (n / (MIN_TOKEN_RUN + 1) + 1)) RUNS = new Int32Array(2 * Math.ceil(n / (MIN_TOKEN_RUN + 1) + 1));
  const count = longRuns(raw, n, TOKEN_CHAR, MIN_TOKEN_RUN, RUNS);
  for (let r = 0; r < count; r++) {
    let a = RUNS[2 * r] as number;
    const b = RUNS[2 * r + 1] as number;
    // `\n`, `\t`, … inside a JSON string: the escape letter is not part of the token.
    if (a > 0 && raw[a - 1] === 92 && ESCAPE_LETTER[raw[a] as number] === 1) a++;
    if (b - a < MIN_TOKEN_RUN) continue;
    parts.push(src.slice(a, b));
    textStarts.push(a);
  }
  return { parts, textStarts };
}

/** (the detector's own buffers) */
const rawCodes = rawCodesReader();
let RUNS = new Int32Array(256);

/** Regex source matching any of `words`, factored as a trie (much faster than a flat alternation). */
function trieSource(words: readonly string[]): string {
  interface Node {
    end: boolean;
    next: Map<string, Node>;
  }
  const root: Node = { end: false, next: new Map() };
  for (const w of words) {
    let node = root;
    for (const ch of w) {
      let child = node.next.get(ch);
      if (!child) {
        child = { end: false, next: new Map() };
        node.next.set(ch, child);
      }
      node = child;
    }
    node.end = true;
  }
  const emit = (node: Node): string => {
    const alts = [...node.next].map(([ch, child]) => escapeRegex(ch) + emit(child));
    if (alts.length === 0) return '';
    const body = alts.length === 1 ? alts[0]! : '(?:' + alts.join('|') + ')';
    return node.end ? '(?:' + body + ')?' : body;
  };
  return emit(root);
}

/** All token-scope keywords, searched in one pass over the token runs. */
const TOKEN_KEYWORDS: string[] = [...new Set(INTERNAL_RULES.filter((r) => r.scope === 'token').flatMap((r) => r.keywords ?? []))];
const TOKEN_KEYWORD_RE = new RegExp(trieSource(TOKEN_KEYWORDS), 'gi');

/**
 * For each token-scope keyword present in the runs: the indices of the runs that hold it (in
 * order). A rule with keywords then runs over those runs only, so a keyword that occurs once in a
 * 1 MB output costs one regex call, not one per token run.
 */
function presentTokenKeywords(parts: readonly string[]): Map<string, number[]> {
  const found = new Map<string, number[]>();
  for (let h = 0; h < parts.length; h++) {
    const part = parts[h] as string;
    TOKEN_KEYWORD_RE.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = TOKEN_KEYWORD_RE.exec(part)) !== null) {
      const k = m[0].toLowerCase();
      let l = found.get(k);
      if (!l) found.set(k, (l = []));
      if (l[l.length - 1] !== h) l.push(h);
      TOKEN_KEYWORD_RE.lastIndex = m.index + 1; // overlapping keywords
    }
  }
  TOKEN_KEYWORD_RE.lastIndex = 0;
  // a keyword that is a substring of a found one is present too (in the same runs)
  const present = new Map<string, number[]>();
  for (const k of TOKEN_KEYWORDS) {
    let runs: number[] | undefined;
    for (const [f, l] of found) {
      if (!f.includes(k)) continue;
      runs = runs ? mergeSorted(runs, l) : l;
    }
    if (runs) present.set(k, runs);
  }
  return present;
}

/** Union of two sorted lists of run indices. */
function mergeSorted(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = j >= b.length || (i < a.length && (a[i] as number) <= (b[j] as number)) ? (a[i++] as number) : (b[j++] as number);
    if (out[out.length - 1] !== x) out.push(x);
  }
  return out;
}

/** Bounds for pathological input: matches examined, and findings kept, per rule and scan. */
const MAX_MATCHES_PER_RULE = 100_000;
const MAX_FINDINGS_PER_RULE = 2_000;

/** A finding of one rule (by its rank in RULES), before overlaps between rules are resolved. */
export interface Candidate {
  rank: number;
  finding: Finding;
}

/**
 * Scan `text` (its first `maxChars` characters, default 1,000,000) for secrets. Findings are
 * de-duplicated (one per span; the most specific rule wins) and sorted by start offset.
 */
export function scanText(text: string, opts?: { maxChars?: number }): Finding[] {
  const maxChars = opts?.maxChars ?? 1_000_000;
  if (typeof text !== 'string' || text.length === 0 || !(maxChars > 0)) return [];
  return scanTextWhole(text, maxChars).findings;
}

/**
 * scanText, and whether a per-scan bound (matches examined or findings kept per rule) cut the scan
 * short: then the findings are not all there are (redaction.ts scans such a text again in pieces).
 */
export function scanTextWhole(text: string, maxChars = 1_000_000): { findings: Finding[]; capped: boolean } {
  if (typeof text !== 'string' || text.length === 0 || !(maxChars > 0)) return { findings: [], capped: false };
  const len = Math.min(text.length, maxChars);
  if (len < MEMO_MIN) {
    const r = scanUncached(text, maxChars);
    return { findings: r.findings, capped: r.capped };
  }
  const hit = memo.get(text);
  if (hit && hit.len === len) return { findings: hit.findings.map((f) => ({ ...f })), capped: hit.capped };
  const r = scanUncached(text, maxChars);
  remember(text, len, r.findings, r.capped);
  return { findings: r.findings.map((f) => ({ ...f })), capped: r.capped };
}

/**
 * The findings of the last large texts scanned. A tool's output is scanned twice in the sidecar: for
 * the secrets held back from the model before the answer (redaction), and when it is recorded right
 * after; the second scan of the same string is then a lookup. scanText is pure (the rules are fixed),
 * so a remembered result is the result. Bounded in entries and in characters held.
 */
const MEMO_MIN = 4096;
const MEMO_MAX_ENTRIES = 128;
const MEMO_MAX_CHARS = 2_000_000;
/** Forget every remembered scan (tests that compare a scan made here with one made elsewhere). */
export function forgetScans(): void {
  memo.clear();
  memoChars = 0;
}

/** Whether a scan of this text is remembered now (scanText of it is a lookup). */
export function scanIsRemembered(text: string): boolean {
  return memo.get(text)?.len === Math.min(text.length, 1_000_000);
}

/** Whether scanText of this text is remembered (a scan of it ahead of time saves the later one). */
export const scanRemembered = (text: string): boolean => text.length >= MEMO_MIN && text.length <= MEMO_MAX_CHARS;
const memo = new Map<string, { len: number; findings: Finding[]; capped: boolean }>();
let memoChars = 0;

/** What scanText(text) finds (default maxChars), as the detector remembers it. */
export interface RememberedScan {
  len: number;
  findings: Finding[];
  capped: boolean;
}

/** scanText(text)'s whole result (default maxChars), computed without the memo: what adoptScanParts of its two parts must equal. */
export function scanForMemo(text: string): RememberedScan {
  const maxChars = 1_000_000;
  const r = scanUncached(text, maxChars);
  return { len: Math.min(text.length, maxChars), findings: r.findings, capped: r.capped };
}

function remember(text: string, len: number, findings: Finding[], capped: boolean): void {
  const old = memo.get(text);
  if (old) {
    memo.delete(text);
    memoChars -= text.length;
  }
  if (text.length > MEMO_MAX_CHARS) return;
  memo.set(text, { len, findings: findings.map((f) => ({ ...f })), capped });
  memoChars += text.length;
  for (const k of memo.keys()) {
    if (memoChars <= MEMO_MAX_CHARS && memo.size <= MEMO_MAX_ENTRIES) break;
    memo.delete(k);
    memoChars -= k.length;
  }
}

function scanUncached(text: string, maxChars: number): { findings: Finding[]; capped: boolean } {
  const r = scanRules(text, maxChars);
  return { findings: resolveOverlaps(r.candidates), capped: r.capped };
}

/**
 * The rules a part of a scan runs: those over token runs (prefixed keys, JWTs, high-entropy strings) or
 * those over the whole text (PEM blocks, assignments, URLs, headers, cards). A scan is the union of the
 * two parts' candidates with overlaps resolved by rank: the two can run apart (two threads) and be put
 * together (adoptScanParts) into exactly what one scan finds.
 */
export type ScanPart = 'token' | 'text';

/** One part of a scan of a text (default maxChars): its candidates, and whether a per-rule bound cut it short. */
export interface ScanCandidates {
  len: number;
  part: ScanPart;
  candidates: Candidate[];
  capped: boolean;
}

/** One part of scanText(text)'s scan, without the memo: what adoptScanParts puts together with the other part. */
export function scanCandidates(text: string, part: ScanPart): ScanCandidates {
  const maxChars = 1_000_000;
  const r = scanRules(text, maxChars, part);
  return { len: Math.min(text.length, maxChars), part, candidates: r.candidates, capped: r.capped };
}

/**
 * Remember the scan of `text` put together from its two parts, scanned apart (scanCandidates; one of
 * them on a worker thread). Refused (false, nothing remembered) unless the parts are the two of this
 * text: each candidate a span of it whose value is that span, from a rule of its part, as that rule
 * reports it.
 */
export function adoptScanParts(text: string, a: ScanCandidates, b: ScanCandidates): boolean {
  if (typeof text !== 'string' || !scanRemembered(text)) return false;
  const len = Math.min(text.length, 1_000_000);
  for (const p of [a, b]) {
    if (p === null || typeof p !== 'object' || p.len !== len || typeof p.capped !== 'boolean' || !Array.isArray(p.candidates)) return false;
    if (p.part !== 'token' && p.part !== 'text') return false;
    for (const c of p.candidates) {
      const rule = c !== null && typeof c === 'object' && Number.isInteger(c.rank) ? INTERNAL_RULES[c.rank] : undefined;
      const f = c?.finding;
      if (
        rule === undefined ||
        (rule.scope === 'token') !== (p.part === 'token') ||
        f === null ||
        typeof f !== 'object' ||
        f.ruleId !== rule.id ||
        f.label !== rule.label ||
        f.severity !== rule.severity ||
        !Number.isInteger(f.start) ||
        !Number.isInteger(f.end) ||
        f.start < 0 ||
        f.end > len ||
        f.start >= f.end ||
        text.slice(f.start, f.end) !== f.value
      )
        return false;
    }
  }
  if (a.part === b.part) return false;
  const all = [...a.candidates, ...b.candidates].map((c) => ({ rank: c.rank, finding: { ...c.finding } }));
  remember(text, len, resolveOverlaps(all), a.capped || b.capped);
  return true;
}

/** The candidates of every rule (or of one part's rules) over `text`'s first `maxChars` characters. */
function scanRules(text: string, maxChars: number, part?: ScanPart): { candidates: Candidate[]; capped: boolean } {
  let capped = false;
  const src = text.length > maxChars ? text.slice(0, maxChars) : text;

  let runs: TokenRuns | undefined;
  let tokenKeywords: Map<string, number[]> | undefined;
  const keywordHits = new Map<RegExp, boolean>();
  const scan: ScanState = {};
  const candidates: Candidate[] = [];

  for (let rank = 0; rank < INTERNAL_RULES.length; rank++) {
    const rule = INTERNAL_RULES[rank]!;
    const tokenScope = rule.scope === 'token';
    if (part !== undefined && tokenScope !== (part === 'token')) continue;
    /** the token runs this rule looks at (undefined: all of them) */
    let only: number[] | undefined;
    if (tokenScope) {
      runs ??= collectTokenRuns(src);
      if (runs.parts.length === 0) continue;
      if (rule.keywords && rule.keywords.length > 0) {
        tokenKeywords ??= presentTokenKeywords(runs.parts);
        for (const k of rule.keywords) {
          const l = tokenKeywords.get(k);
          if (l) only = only ? mergeSorted(only, l) : l;
        }
        if (!only) continue;
      }
    } else if (rule.keywords && rule.keywords.length > 0) {
      const kr = keywordRegex(rule.keywords);
      let hit = keywordHits.get(kr);
      if (hit === undefined) {
        hit = kr.test(src);
        keywordHits.set(kr, hit);
      }
      if (!hit) continue;
    }

    const rx = compiledRegex(rule);
    const group = rule.group ?? 0;
    let examined = 0;
    let kept = 0;
    let m: RegExpExecArray | null;
    // a token rule runs over each token run in turn (its matches cannot cross from one to the next)
    const nHay = !tokenScope ? 1 : only ? only.length : runs!.parts.length;
    hays: for (let hi = 0; hi < nHay; hi++) {
      const h = only ? (only[hi] as number) : hi;
      const haystack = tokenScope ? runs!.parts[h]! : src;
      if (rule.minRun !== undefined && haystack.length < rule.minRun) continue;
      const base = tokenScope ? runs!.textStarts[h]! : 0;
      rx.lastIndex = 0;
      while ((m = rx.exec(haystack)) !== null) {
        if (++examined > MAX_MATCHES_PER_RULE || kept >= MAX_FINDINGS_PER_RULE) {
          capped = true;
          break hays;
        }
        const raw = m[group];
        if (raw === undefined || raw.length === 0) {
          if (m[0].length === 0) rx.lastIndex++;
          continue;
        }
        const local = group === 0 ? m.index : (m.indices?.[group]?.[0] ?? haystack.indexOf(raw, m.index));
        let start = base + local;
        let end = start + raw.length;
        if (rule.check) {
          const r = rule.check(raw, { text: src, match: m, start, end, scan });
          if (r === false) {
            // a rejected context match must not hide one that starts inside it (token rules are
            // bounded by their own lookbehinds, so there is nothing to retry there)
            if (!tokenScope) rx.lastIndex = m.index + 1;
            continue;
          }
          if (r !== true) {
            start = r[0];
            end = r[1];
          }
        }
        const value = start === local && !tokenScope && end - start === raw.length ? raw : src.slice(start, end);
        if (value.length === 0) continue;
        if (rule.minEntropy !== undefined && shannonEntropy(value) < rule.minEntropy) continue;
        if (rule.allow?.some((a) => a.test(value))) continue;
        kept++;
        candidates.push({
          rank,
          finding: { ruleId: rule.id, label: rule.label, severity: rule.severity, start, end, value },
        });
      }
    }
    rx.lastIndex = 0;
  }
  return { candidates, capped };
}

/** Keep, for every span, the finding of the earliest (most specific) rule; drop overlapping later ones. */
function resolveOverlaps(candidates: Candidate[]): Finding[] {
  candidates.sort((a, b) => a.rank - b.rank || a.finding.start - b.finding.start);
  const kept: Finding[] = []; // sorted by start, non-overlapping
  for (const { finding } of candidates) {
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (kept[mid]!.end <= finding.start) lo = mid + 1;
      else hi = mid;
    }
    const next = kept[lo];
    if (next && next.start < finding.end) continue;
    kept.splice(lo, 0, finding);
  }
  return kept;
}

// ---------------------------------------------------------------------------------------------
// Sensitive paths
// ---------------------------------------------------------------------------------------------

export interface PathFinding {
  label: string;
  ruleId: string;
}

interface PathCtx {
  /** Lower-cased, '/'-separated, normalised path with a leading '/' (relative paths too). */
  norm: string;
  /** Lower-cased last segment. */
  base: string;
  segs: string[];
  /** Absolute (starts with '/', a drive letter or '~'), as opposed to relative to the cwd. */
  abs: boolean;
}

interface PathRule {
  ruleId: string;
  label: string;
  test: (p: PathCtx) => boolean;
}

const ENV_EXAMPLE_RE = /(?:^|[.\-_])(?:example|examples|sample|samples|template|templates|tmpl|tpl|dist|defaults?|schema|skeleton|stub)(?:$|[.\-_])/;

function isEnvFile(base: string): boolean {
  if (base === '.envrc') return true;
  let rest: string | undefined;
  if (base === '.env' || base === '.env*') return true;
  if (/^\.env[.\-_*]/.test(base)) rest = base.slice(4);
  else if (/^[^.].*\.env$/.test(base) && base !== 'process.env' && base !== 'meta.env') rest = base.slice(0, -4);
  if (rest === undefined) return false;
  return !ENV_EXAMPLE_RE.test(rest);
}

function under(p: PathCtx, dir: string): boolean {
  return p.segs.slice(0, -1).includes(dir) || p.norm.includes('/' + dir + '/');
}

function hasSeq(p: PathCtx, seq: string): boolean {
  return p.norm.endsWith('/' + seq) || p.norm.includes('/' + seq + '/');
}

const PRIVATE_KEY_EXT_RE = /\.(?:pem|key|p12|pfx|ppk|jks|keystore|p8|pkcs12|pkcs8)$/;
const CA_BUNDLE_RE = /^(?:ca[-_]?cert(?:s|ificates)?|ca[-_]?bundle|cacert|ca-certificates|tls-ca-bundle)\.pem$/;
const SSH_KEY_BASE_RE = /^id_(?:rsa|dsa|ecdsa|ed25519|xmss)(?:_sk)?$/;

const PATH_RULES: PathRule[] = [
  { ruleId: 'shadow-file', label: 'System password hashes', test: (p) => p.abs && /^\/etc\/(?:g?shadow-?|master\.passwd|security\/opasswd)$/.test(p.norm) },
  { ruleId: 'process-environ', label: 'Process environment', test: (p) => p.abs && /^\/proc\/[^/]+\/environ$/.test(p.norm) },
  { ruleId: 'ssh-private-key', label: 'SSH private key', test: (p) => SSH_KEY_BASE_RE.test(p.base) || /^ssh_host_[a-z0-9]+_key$/.test(p.base) },
  {
    ruleId: 'ssh-directory',
    label: 'SSH directory',
    test: (p) => p.base === '.ssh' || (under(p, '.ssh') && !p.base.endsWith('.pub') && !/^(?:known_hosts(?:\.old)?|authorized_keys2?)$/.test(p.base)),
  },
  { ruleId: 'aws-credentials', label: 'AWS credentials or config', test: (p) => p.base === '.aws' || under(p, '.aws') },
  { ruleId: 'gnupg', label: 'GnuPG keyring', test: (p) => p.base === '.gnupg' || under(p, '.gnupg') },
  { ruleId: 'env-file', label: 'Environment (.env) file', test: (p) => isEnvFile(p.base) },
  { ruleId: 'private-key-file', label: 'Private key or certificate store file', test: (p) => PRIVATE_KEY_EXT_RE.test(p.base) && !CA_BUNDLE_RE.test(p.base) },
  { ruleId: 'netrc', label: '.netrc credentials', test: (p) => p.base === '.netrc' || p.base === '_netrc' },
  { ruleId: 'npmrc', label: 'npm configuration (may hold tokens)', test: (p) => p.base === '.npmrc' || hasSeq(p, 'npm/npmrc') },
  { ruleId: 'pypirc', label: 'PyPI credentials', test: (p) => p.base === '.pypirc' },
  { ruleId: 'git-credentials', label: 'Git credential store', test: (p) => p.base === '.git-credentials' || hasSeq(p, '.config/git/credentials') },
  { ruleId: 'docker-config', label: 'Docker credentials', test: (p) => hasSeq(p, '.docker/config.json') },
  { ruleId: 'kube-config', label: 'Kubernetes config', test: (p) => hasSeq(p, '.kube/config') || /^kubeconfig(?:\.ya?ml)?$/.test(p.base) },
  {
    ruleId: 'gcloud-credentials',
    label: 'Google Cloud credentials',
    test: (p) => p.base === 'application_default_credentials.json' || /\/gcloud\/(?:credentials\.db|access_tokens\.db|legacy_credentials(?:\/|$))/.test(p.norm),
  },
  {
    ruleId: 'azure-credentials',
    label: 'Azure credentials',
    test: (p) => /\/\.azure\/(?:accesstokens\.json|msal_token_cache\.[a-z]+|service_principal_entries\.json)$/.test(p.norm),
  },
  {
    ruleId: 'agent-credentials',
    label: 'Coding-agent or CLI credentials',
    test: (p) =>
      hasSeq(p, '.claude/.credentials.json') ||
      hasSeq(p, '.codex/auth.json') ||
      hasSeq(p, '.config/gh/hosts.yml') ||
      hasSeq(p, '.config/hub') ||
      p.base === '.vault-token' ||
      hasSeq(p, '.terraform.d/credentials.tfrc.json') ||
      p.base === '.boto' ||
      p.base === '.s3cfg',
  },
  {
    ruleId: 'package-registry-credentials',
    label: 'Package registry credentials',
    test: (p) =>
      hasSeq(p, '.gem/credentials') ||
      /\/\.cargo\/credentials(?:\.toml)?$/.test(p.norm) ||
      hasSeq(p, '.composer/auth.json') ||
      p.base === '.yarnrc.yml' ||
      hasSeq(p, '.nuget/nuget/nuget.config'),
  },
  { ruleId: 'db-credentials', label: 'Database client credentials', test: (p) => p.base === '.pgpass' || p.base === '.my.cnf' },
  {
    ruleId: 'credentials-file',
    label: 'Credentials file',
    test: (p) =>
      p.base === 'credentials.json' ||
      /^client_secret[^/]*\.json$/.test(p.base) ||
      /^service[-_]?account[^/]*\.json$/.test(p.base) ||
      p.base === 'credentials.yml' ||
      p.base === 'credentials.yaml' ||
      p.base === 'credentials.yml.enc',
  },
  {
    ruleId: 'secrets-file',
    label: 'Secrets file',
    test: (p) => /^(?:secrets?\.(?:ya?ml|json|toml|env|ini|txt)|\.secrets?)$/.test(p.base),
  },
  { ruleId: 'terraform-state', label: 'Terraform state', test: (p) => /\.tfstate(?:\.backup)?$/.test(p.base) },
  { ruleId: 'htpasswd', label: 'htpasswd file', test: (p) => p.base === '.htpasswd' },
  {
    ruleId: 'password-store',
    label: 'Password store',
    test: (p) => p.base === '.password-store' || under(p, '.password-store') || /\/library\/keychains(?:\/|$)/.test(p.norm),
  },
  {
    ruleId: 'shell-history',
    label: 'Shell history (may hold secrets)',
    test: (p) => /^(?:\.(?:bash|zsh|sh|python|node_repl|psql|mysql|sqlite|rediscli|irb|lesshst)_history|\.histfile|fish_history)$/.test(p.base),
  },
];

function normalisePath(path: string, home?: string): PathCtx | null {
  let p = path
    .trim()
    .replace(/^["']+|["']+$/g, '')
    .trim();
  if (p.length === 0) return null;
  p = p.replace(/\\/g, '/');
  p = p.replace(/^(?:\$\{HOME\}|\$HOME|%USERPROFILE%|%HOMEPATH%|%HOME%)(?=\/|$)/i, '~');
  if (home) {
    const h = home.trim().replace(/\\/g, '/').replace(/\/+$/, '');
    if (h.length > 0) {
      const pl = p.toLowerCase();
      const hl = h.toLowerCase();
      if (pl === hl || pl.startsWith(hl + '/')) p = '~' + p.slice(h.length);
    }
  }
  const abs = /^(?:\/|~|[A-Za-z]:\/)/.test(p);
  const lower = p.toLowerCase();
  const raw = lower.split('/');
  const segs: string[] = [];
  for (const s of raw) {
    if (s === '' || s === '.') continue;
    if (s === '..' && segs.length > 0 && segs[segs.length - 1] !== '..' && segs[segs.length - 1] !== '~') {
      segs.pop();
      continue;
    }
    segs.push(s);
  }
  if (segs.length === 0) return null;
  const norm = '/' + segs.join('/');
  return { norm, base: segs[segs.length - 1]!, segs, abs };
}

/** Classify a file path as sensitive (credentials, keys, secrets); null when ordinary. */
export function sensitivePath(path: string, home?: string): PathFinding | null {
  if (typeof path !== 'string') return null;
  const ctx = normalisePath(path, home);
  if (!ctx) return null;
  for (const r of PATH_RULES) {
    if (r.test(ctx)) return { ruleId: r.ruleId, label: r.label };
  }
  return globSensitive(ctx);
}

/**
 * Names of sensitive files and directories a shell glob may stand for. The engine cannot list the
 * directory, so `cat .e*` counts as reading `.env`, `~/.ss?/id_*` as reading an SSH key: a glob that
 * matches a sensitive name is taken for that file.
 */
const SENSITIVE_NAMES = [
  '.env',
  '.env.local',
  '.env.production',
  '.envrc',
  '.ssh',
  'id_rsa',
  'id_ecdsa',
  'id_ed25519',
  '.aws',
  'credentials',
  '.gnupg',
  '.netrc',
  '.npmrc',
  '.pypirc',
  '.git-credentials',
  '.pgpass',
  '.my.cnf',
  '.vault-token',
  '.htpasswd',
  '.boto',
  '.s3cfg',
  '.docker',
  'config.json',
  '.kube',
  'config',
  'kubeconfig',
  'credentials.json',
  'application_default_credentials.json',
  'secrets.json',
  'secrets.yaml',
  'secrets.yml',
  '.secrets',
  'terraform.tfstate',
  'server.key',
  'private.pem',
  '.password-store',
  '.bash_history',
  '.zsh_history',
  'shadow',
  'environ',
];

const GLOB_CHARS = /[*?[]/;

/** A shell glob segment as a regex; null when it holds no literal character (`*`, `?*`: it names nothing in particular). */
function globRegex(seg: string): RegExp | null {
  let re = '';
  let literal = 0;
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = seg.indexOf(']', i + 2);
      if (end < 0) {
        re += '\\[';
        literal++;
        continue;
      }
      let body = seg.slice(i + 1, end);
      if (body[0] === '!') body = '^' + body.slice(1);
      re += '[' + body.replace(/\\/g, '\\\\') + ']';
      i = end;
    } else {
      re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
      literal++;
    }
  }
  if (literal === 0) return null;
  // `*.json`, `*.yml`: any file of a type, not a credentials file of that type
  if (/^[*?[]/.test(seg) && !/[^*?.\]]/.test(seg.replace(/\[[^\]]*\]/g, '*').replace(/\.[a-z0-9]+$/, ''))) return null;
  // as the shell does without dotglob: a leading dot is matched only by a dot
  return new RegExp('^' + (seg[0] === '.' ? '' : '(?!\\.)') + re + '$');
}

function globSensitive(ctx: PathCtx): PathFinding | null {
  const at = ctx.segs.map((seg, i) => (GLOB_CHARS.test(seg) ? i : -1)).filter((i) => i >= 0);
  if (at.length === 0 || at.length > 2) return null;
  const options = at.map((i) => {
    const re = globRegex(ctx.segs[i]!);
    return re ? SENSITIVE_NAMES.filter((n) => re.test(n)) : [];
  });
  if (options.some((o) => o.length === 0)) return null;
  for (const a of options[0]!) {
    for (const b of options[1] ?? [undefined]) {
      const segs = [...ctx.segs];
      segs[at[0]!] = a;
      if (b !== undefined) segs[at[1]!] = b;
      const c: PathCtx = { norm: '/' + segs.join('/'), base: segs[segs.length - 1]!, segs, abs: ctx.abs };
      for (const r of PATH_RULES) {
        if (r.test(c)) return { ruleId: r.ruleId, label: r.label };
      }
    }
  }
  return null;
}
