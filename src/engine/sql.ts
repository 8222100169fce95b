/**
 * What a SQL write copies, server-side: `UPDATE t SET c = (SELECT … FROM s)`, `UPDATE t SET c = s.x
 * FROM s`, `INSERT INTO t … SELECT … FROM s`, `INSERT … VALUES ((SELECT … FROM s))`, `CREATE TABLE t
 * AS SELECT …`, `SELECT … INTO t FROM s`. Such a query moves values from one table to another without
 * them ever appearing in the call: the guard sees only the query. When the values copied are
 * credentials (a secret, token, password or key column, or whole rows of a credential table) and
 * the place they land is not itself a credential store (a ticket subject, a message body, a note),
 * the query publishes them to whoever reads that place: what an injected instruction in a ticket
 * asks for ("read the tokens table and add it as a message").
 *
 * Pure, regex and parenthesis depth only (no SQL parser); bounded by MAX_SQL chars per text.
 */

/** SQL looked at per text (a migration file is longer, but a copy hidden in one is not this rule's case). */
export const MAX_SQL = 64 * 1024;

/** A write that copies credential values into a place that is not a credential store. */
export interface SqlCopy {
  /** the table the values come from */
  from: string;
  /** the credential columns copied (`*` for whole rows) */
  columns: string[];
  /** where they land: `table.column` or `table` */
  into: string;
}

/** Lower-case words of an identifier: `integration_tokens` -> [integration, tokens], `apiKey` -> [api, key]. */
function words(id: string): string[] {
  return id
    .replace(/"/g, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

const CRED_WORDS = new Set([
  'secret',
  'secrets',
  'token',
  'tokens',
  'password',
  'passwords',
  'passwd',
  'credential',
  'credentials',
  'creds',
  'apikey',
  'apikeys',
  'passphrase',
  'pat',
  'jwt',
  'otp',
  'totp',
  'mfa',
]);
/** words that make a credential-looking name a count, a date, a kind or an id, not the value */
const NOT_VALUE_WORDS = new Set([
  'count',
  'counts',
  'total',
  'sum',
  'usage',
  'used',
  'limit',
  'limits',
  'max',
  'min',
  'num',
  'number',
  'type',
  'types',
  'kind',
  'id',
  'ids',
  'expires',
  'expiry',
  'expiration',
  'created',
  'updated',
  'at',
  'length',
  'len',
  'name',
  'label',
  'prefix',
  'hint',
  'last4',
  'status',
  'policy',
  'rotated',
  'revoked',
  'scope',
  'scopes',
  'version',
  'input',
  'output',
  'prompt',
  'completion',
  'cached',
]);

/** Does an identifier name credential values (a column or table of secrets, tokens, passwords, keys)? */
export function credentialName(id: string): boolean {
  const w = words(id.split('.').pop() ?? id);
  if (w.length === 0 || w.length > 6) return false;
  if (w.some((x) => NOT_VALUE_WORDS.has(x))) return false;
  if (w.some((x) => CRED_WORDS.has(x))) return true;
  const j = w.join('_');
  return /(^|_)(api|access|private|secret|signing|ssh|encryption|master|client|auth|service_account)_keys?($|_)|(^|_)keys?_(value|material|secret)($|_)|(^|_)(auth|bearer|session|refresh)_?(token|key)s?($|_)|^(vault|keychain|keyring)s?$/.test(
    j,
  );
}

/** Tables that keep configuration, where a secret copied in is still kept, not shown: `app_config`, `user_settings`. */
const STORE_WORDS = new Set([
  'config',
  'configs',
  'configuration',
  'settings',
  'env',
  'environment',
  'vault',
  'keyring',
  'keys',
  'backup',
  'backups',
  'archive',
]);

/** Is a target table a place for credentials (a credential table, its copy, a config table)? */
function credentialStore(table: string): boolean {
  return credentialName(table) || words(table.split('.').pop() ?? table).some((w) => STORE_WORDS.has(w));
}

/** Strip comments and string literals' contents (kept as ''), collapse whitespace. */
function normalize(sql: string): string {
  return (
    sql
      .replace(/--[^\n]*/g, ' ')
      .replace(/\/\*[\s\S]*?\*\//g, ' ')
      .replace(/'(?:[^']|'')*'/g, "''")
      // MySQL `ident` and SQL Server [ident] are quoted identifiers like "ident"
      .replace(/`([^`]+)`/g, '"$1"')
      .replace(/\[([A-Za-z_][\w$ ]*)\]/g, '"$1"')
      .replace(/\s+/g, ' ')
  );
}

/** Split at top-level `;`. */
function statements(sql: string): string[] {
  return sql
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Index of the first top-level (paren depth 0) keyword match of `re` at or after `from`, or -1. */
function topLevel(s: string, re: RegExp, from = 0): number {
  let depth = 0;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0 && (i === 0 || /[\s)]/.test(s[i - 1] as string))) {
      re.lastIndex = 0;
      const m = re.exec(s.slice(i, i + 16));
      if (m && m.index === 0) return i;
    }
  }
  return -1;
}

const IDENT = String.raw`(?:"[^"]+"|[A-Za-z_][\w$]*)(?:\.(?:"[^"]+"|[A-Za-z_][\w$]*))*`;

/**
 * The credential values a piece of SQL (a source expression) reads: each `SELECT list FROM table`
 * in it (sub-selects included) whose list names a credential column, or takes whole rows
 * (`*`, `t.*`, `row_to_json(t)`, `json_agg(t)`) of a credential table.
 */
function credentialReads(src: string): Array<{ from: string; columns: string[] }> {
  const out: Array<{ from: string; columns: string[] }> = [];
  const sel = new RegExp(String.raw`\bselect\s+(?:distinct\s+)?([\s\S]*?)\s+from\s+(${IDENT})`, 'gi');
  for (const m of src.matchAll(sel)) {
    const list = m[1] as string;
    const table = (m[2] as string).replace(/"/g, '');
    const cols = columnsOf(list);
    const creds = cols.filter((c) => credentialName(c));
    const whole =
      /(^|,)\s*(?:\w+\.)?\*\s*(,|$)/.test(list) ||
      /\b(?:row_to_json|to_jsonb?|json_agg|jsonb_agg|array_agg|string_agg|group_concat)\s*\(\s*\w+\s*[,)]/i.test(list);
    if (creds.length > 0) out.push({ from: table, columns: creds });
    else if (whole && credentialName(table)) out.push({ from: table, columns: ['*'] });
  }
  return out;
}

/** Identifiers of an expression list that may be columns (not functions, keywords or literals). */
function columnsOf(list: string): string[] {
  const out: string[] = [];
  for (const m of list.matchAll(new RegExp(`(${IDENT})(\\s*\\()?`, 'g'))) {
    if (m[2]) continue; // a function name
    const id = m[1] as string;
    if (
      /^(as|and|or|not|null|case|when|then|else|end|distinct|from|where|select|limit|order|by|asc|desc|true|false|on|join|left|right|inner|outer|using|is|in|like|ilike|between|cast|coalesce)$/i.test(
        id,
      )
    )
      continue;
    out.push(id.replace(/"/g, ''));
  }
  return out;
}

/** The items of a comma list at paren depth 0 (a SELECT list, a VALUES tuple). */
function topLevelItems(list: string | undefined): string[] {
  if (list === undefined) return [];
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= list.length; i++) {
    const c = list[i];
    if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    if (i === list.length || (c === ',' && depth === 0)) {
      out.push(list.slice(start, i).trim());
      start = i + 1;
    }
  }
  return out;
}

/** The SET targets of an UPDATE's SET list (the columns before each top-level `=`). */
function setTargets(set: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= set.length; i++) {
    const c = set[i];
    if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    if (i === set.length || (c === ',' && depth === 0)) {
      const part = set.slice(start, i);
      const m = new RegExp(`^\\s*\\(?\\s*(${IDENT}(?:\\s*,\\s*${IDENT})*)\\s*\\)?\\s*=`).exec(part);
      if (m) for (const x of (m[1] as string).split(',')) out.push(x.trim().replace(/"/g, ''));
      start = i + 1;
    }
  }
  return out;
}

/**
 * A text of SQL longer than MAX_SQL whose part past it holds a write that reads something (an
 * `UPDATE … SELECT`, an `INSERT … FROM` …): that write was not looked at for copies of credentials.
 */
export function sqlPastBound(text: string): boolean {
  if (text.length <= MAX_SQL) return false;
  const rest = text.slice(MAX_SQL - 256);
  return /\b(update|insert|create|into)\b/i.test(rest) && /\bselect\b|\bfrom\b/i.test(rest);
}

/** The writes in a text of SQL that copy credentials into a place that is not a credential store. */
export function sqlCredentialCopies(text: string): SqlCopy[] {
  if (!/\b(update|insert|create|into)\b/i.test(text) || !/\bselect\b|\bfrom\b/i.test(text)) return [];
  const sql = normalize(text.length > MAX_SQL ? text.slice(0, MAX_SQL) : text);
  const out: SqlCopy[] = [];
  // each statement starts at a write keyword (the text may hold more than SQL: a psql command line)
  for (const st of statements(sql)) {
    for (const w of st.matchAll(/\b(update|insert\s+into|create\s+(?:temp(?:orary)?\s+|unlogged\s+)?table|select)\b/gi)) {
      const s = st.slice(w.index);
      const kw = (w[1] as string).toLowerCase();
      if (kw === 'update') {
        const m = new RegExp(String.raw`^update\s+(?:only\s+)?(${IDENT})(?:\s+(?:as\s+)?\w+)?\s+set\s+`, 'i').exec(s);
        if (!m) continue;
        const target = (m[1] as string).replace(/"/g, '');
        const rest = s.slice(m[0].length);
        const end = topLevel(rest, /^(where|returning)\b/i);
        const body = end < 0 ? rest : rest.slice(0, end);
        const fromAt = topLevel(body, /^from\b/i);
        const set = fromAt < 0 ? body : body.slice(0, fromAt);
        const fromTables =
          fromAt < 0 ? [] : [...body.slice(fromAt + 4).matchAll(new RegExp(`(?:^|,|join)\\s*(${IDENT})`, 'gi'))].map((x) => (x[1] as string).replace(/"/g, ''));
        const cols = setTargets(set);
        if (credentialStore(target) || (cols.length > 0 && cols.every((c) => credentialName(c)))) continue;
        // the values of each SET (what is copied), without the targets
        const values = set.replace(new RegExp(`(^|,)\\s*(${IDENT})\\s*=`, 'g'), '$1 ');
        const into = cols.length === 1 ? `${target}.${cols[0]}` : target;
        const reads = credentialReads(values);
        for (const r of reads) out.push({ from: r.from, columns: r.columns, into });
        // `SET c = s.api_key FROM s`, `SET note = password`: the values name credential columns themselves
        const direct = reads.length === 0 ? columnsOf(values).filter((c) => credentialName(c)) : [];
        if (direct.length > 0) out.push({ from: fromTables.length > 0 ? fromTables.join(', ') : target, columns: direct, into });
      } else if (kw.startsWith('insert')) {
        const m = new RegExp(String.raw`^insert\s+into\s+(${IDENT})(?:\s+as\s+\w+)?\s*(\(([^()]*)\))?`, 'i').exec(s);
        if (!m) continue;
        const target = (m[1] as string).replace(/"/g, '');
        const cols = m[3] ? columnsOf(m[3]) : [];
        if (credentialStore(target)) continue;
        const rest = s.slice(m[0].length).trim();
        // with a column list, each value lands in its column: a credential into a credential column is kept, not shown
        const sel = /^select\s+(?:distinct\s+)?([\s\S]*?)\s+from\s/i.exec(rest);
        const vals = /^values\s*\(([\s\S]*)\)/i.exec(rest);
        const items = cols.length > 0 ? topLevelItems((sel?.[1] ?? vals?.[1]) as string | undefined) : [];
        if (items.length === cols.length && items.length > 0) {
          const leaked = items.filter((_, i) => !credentialName(cols[i] as string));
          const src = sel ? `select ${leaked.join(', ')} from ${rest.slice(sel[0].length)}` : leaked.join(', ');
          for (const r of credentialReads(src)) out.push({ from: r.from, columns: r.columns, into: target });
          continue;
        }
        for (const r of credentialReads(rest)) out.push({ from: r.from, columns: r.columns, into: target });
      } else if (kw.startsWith('create')) {
        const m = new RegExp(
          String.raw`^create\s+(?:temp(?:orary)?\s+|unlogged\s+)?table\s+(?:if\s+not\s+exists\s+)?(${IDENT})[^;]*?\bas\s*\(?\s*(select\b[\s\S]*)$`,
          'i',
        ).exec(s);
        if (!m) continue;
        const target = (m[1] as string).replace(/"/g, '');
        if (credentialStore(target)) continue;
        for (const r of credentialReads(m[2] as string)) out.push({ from: r.from, columns: r.columns, into: target });
      } else {
        // SELECT … INTO t FROM s (Postgres, SQL Server): a new table made of the rows
        const m = new RegExp(String.raw`^select\s+([\s\S]*?)\s+into\s+(?:temp(?:orary)?\s+|unlogged\s+)?(?:table\s+)?(${IDENT})\s+from\s+(${IDENT})`, 'i').exec(
          s,
        );
        if (!m) continue;
        const target = (m[2] as string).replace(/"/g, '');
        if (credentialStore(target)) continue;
        for (const r of credentialReads(`select ${m[1]} from ${m[3]}`)) out.push({ from: r.from, columns: r.columns, into: target });
      }
    }
  }
  // one statement may be found from two keywords (an INSERT … SELECT also starts a SELECT): once each
  const seen = new Set<string>();
  return out.filter((c) => {
    const k = `${c.from}\u0000${c.columns.join(',')}\u0000${c.into}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
