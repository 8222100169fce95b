/**
 * Where a call goes, as facts: the repository a gh command or a GitHub URL names, the hosts an MCP
 * tool input connects to, whether a call carries a payload, which files hold the project's own
 * places, whether a fetch carries credentials. Pure helpers for engine.ts and policy.ts.
 */
import { stringLeaves } from './fingerprint/index.ts';
import type { BashAnalysis } from './bash/index.ts';
import { hostOfUrl } from './urls.ts';

/**
 * The words of every gh command a Bash command line runs, program first, wrappers stripped (`env X= gh …`,
 * `sudo gh …`, `/usr/bin/gh …`, gh inside `sh -c`): one reading of the command for every check of gh.
 */
export function ghCommands(bash: BashAnalysis): string[][] {
  return bash.commands.filter((c) => c.name === 'gh').map((c) => c.argv);
}

/**
 * gh reading what anyone can write: issue and pull-request threads (view, list, diff, `--comments`),
 * search results, gists, and the API paths of issues, pulls, comments and discussions (read, not
 * written: no method other than GET, no fields). Whoever's repository they are in, their text is
 * outside content: an address in an issue body is planted, not the project's.
 */
export function ghReadsThread(seg: string[]): boolean {
  const sub = seg[1] ?? '';
  const verb = seg[2] ?? '';
  if (sub === 'issue' || sub === 'pr') return /^(view|list|diff|status)$/.test(verb) || seg.includes('--comments');
  if (sub === 'search') return true;
  if (sub === 'gist') return /^(view|list)$/.test(verb);
  if (sub === 'api') {
    const writes = seg.some(
      (a, i) =>
        /^(-f|-F|--field|--raw-field|--input)$/.test(a) ||
        /^--(raw-)?field=/.test(a) ||
        ((a === '-X' || a === '--method') && !/^get$/i.test(seg[i + 1] ?? '')) ||
        /^--method=(?!get$)/i.test(a),
    );
    return !writes && seg.slice(2).some((a) => /(^|\/)(issues|pulls|comments|discussions)(\/|$|\?)/.test(a) || /^\/?search\//.test(a) || /^\/?gists\b/.test(a));
  }
  return false;
}

/** The repository a gh command names (`-R o/r`, `--repo o/r`, `--repo=o/r`, `gh api repos/o/r/…`). */
export function ghRepo(seg: string[]): string | undefined {
  for (let i = 1; i < seg.length; i++) {
    const a = seg[i] as string;
    if ((a === '-R' || a === '--repo') && seg[i + 1]) return (seg[i + 1] as string).replace(/^https?:\/\/github\.com\//, '');
    if (a.startsWith('--repo=')) return a.slice(7).replace(/^https?:\/\/github\.com\//, '');
  }
  if (seg[1] === 'api') {
    for (const x of seg.slice(2)) {
      const m = /^\/?repos\/([^/\s]+)\/([^/\s?]+)/.exec(x);
      if (m) return `${m[1]}/${m[2]}`;
    }
  }
  return undefined;
}

/** Hosts that serve GitHub repositories, and the repository a URL on them names. */
export const GITHUB_HOSTS =
  /^(github\.com|www\.github\.com|api\.github\.com|raw\.githubusercontent\.com|patch-diff\.githubusercontent\.com|codeload\.github\.com|objects\.githubusercontent\.com)$/;

export function githubRepoOfUrl(u: string): { host: string; repo: string } | undefined {
  const h = hostOfUrl(u);
  if (!h || !GITHUB_HOSTS.test(h)) return undefined;
  const path = u.replace(/^[a-z]+:\/\/[^/]+/i, '').split(/[?#]/)[0] ?? '';
  const m = /^\/(?:repos\/|raw\/)?([A-Za-z0-9-]{1,39})\/([A-Za-z0-9._-]{1,100})(?:\/|$)/.exec(path);
  if (!m || /^(orgs|users|search|gists|settings|login|api|v3)$/i.test(m[1] as string)) return undefined;
  return { host: h, repo: `${m[1]}/${(m[2] as string).replace(/\.git$/, '')}`.toLowerCase() };
}

export function urlsRepos(urls: string[]): { hosts: Set<string>; repos: string[] } {
  const hosts = new Set<string>();
  const repos: string[] = [];
  for (const u of urls) {
    const r = githubRepoOfUrl(u);
    if (r) {
      hosts.add(r.host);
      repos.push(r.repo);
    }
  }
  return { hosts, repos };
}

/** Keys of an MCP tool input whose value is where the call connects to. */
export const URL_KEY = /^(url|uri|endpoint|webhook(_?url)?|callback(_?url)?|host|hostname|server|base_?url|link|image_?url)$/i;

/**
 * A URL, with the `![alt](` of a Markdown image before it when it is one. The alt text holds no bracket but
 * one nested pair (`![a [b] c](…)`): with any text up to a `]`, every `![` of a text with none scanned to
 * its end (quadratic: 256 KB of `![` held the sidecar 32 s).
 */
const LINK_OR_IMAGE = /(!\[[^\][]*(?:\[[^\][]*\][^\][]*)*\]\()?(\bhttps?:\/\/[^\s"'<>)]+)/gi;
const QUERY_VALUE: Record<4 | 8, RegExp> = { 4: /[?&][^=&\s?]*[^=&\s]=[^&\s]{4,}/, 8: /[?&][^=&\s?]*[^=&\s]=[^&\s]{8,}/ };
/**
 * A query parameter with a value of `min` chars or more (`?q=…`, `&d=…`). The name stops at a `?`: as any
 * run, every `?` of a long run of them scanned to its end (quadratic); a name ending in `?` still counts.
 */
export const queryValue = (url: string, min: 4 | 8): boolean => QUERY_VALUE[min].test(url);

/** Hosts an MCP tool input sends to: URL-valued fields, URLs that carry data, images a viewer loads. */
export function mcpHosts(input: Record<string, unknown>): string[] {
  const out = new Set<string>();
  for (const [k, v] of Object.entries(input)) {
    if (typeof v !== 'string') continue;
    if (URL_KEY.test(k)) {
      const h = hostOfUrl(v) ?? (/^[a-z0-9.-]+\.[a-z]{2,}$/i.test(v) ? v.toLowerCase() : null);
      if (h) out.add(h);
      continue;
    }
    if (!v.includes('://')) continue;
    for (const m of v.matchAll(LINK_OR_IMAGE)) {
      const url = m[2] as string;
      if (m[1] || queryValue(url, 4) || /<img\b/i.test(v.slice(Math.max(0, (m.index ?? 0) - 12), m.index ?? 0))) {
        const h = hostOfUrl(url);
        if (h) out.add(h);
        // an image proxy fetches the URL hidden in its path or query: that host is where it goes too
        const hidden = hiddenUrlHost(url);
        if (hidden) out.add(hidden);
      }
    }
  }
  return [...out];
}

/**
 * The host of a URL carried inside another URL, as image proxies take it (`https://camo…/<sig>/<hex
 * of the URL>`, `https://proxy/?url=https%3A%2F%2F…`, base64url of the URL): null when there is none.
 */
export function hiddenUrlHost(url: string): string | null {
  const rest = url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]+/i, '');
  if (rest.length < 16) return null;
  const cands: string[] = [];
  for (const m of rest.matchAll(/(?:[0-9a-f]{2}){10,}/gi)) cands.push(Buffer.from(m[0], 'hex').toString('latin1'));
  for (const m of rest.matchAll(/[A-Za-z0-9_-]{16,}={0,2}/g)) if (/^aHR0c/.test(m[0])) cands.push(Buffer.from(m[0], 'base64url').toString('latin1'));
  if (/https?%3a/i.test(rest)) {
    try {
      cands.push(decodeURIComponent(rest.slice(rest.search(/https?%3a/i))));
    } catch {
      // not well-formed: nothing hidden that a proxy would fetch either
    }
  }
  for (const c of cands) {
    const h = /^https?:\/\/[^/?#\s]+/i.test(c) ? hostOfUrl(c) : null;
    if (h) return h;
  }
  return null;
}

/** Does a call carry something beyond its addresses: a body, a query, an upload? */
export function hasPayload(tool: string, input: Record<string, unknown>, bash: BashAnalysis | undefined): boolean {
  if (bash) {
    const cmd = typeof input.command === 'string' ? input.command : '';
    if (bash.uploadPaths.length > 0) return true;
    if (bash.egressCommands.some((c) => /^(nc|ncat|netcat|socat|ssh|scp|rsync|sftp|ftp|telnet|git push|mail|sendmail|mutt)$/.test(c))) return true;
    // a script downloaded and run (`curl … | sh`) can send anything
    if (
      bash.commands.some((c) => /^(sh|bash|zsh|dash|python3?|node|perl|ruby)$/.test(c.name) && c.argv.length <= 1) &&
      /\|\s*(sudo\s+)?(sh|bash|zsh|dash|python3?|node|perl|ruby)\b/.test(cmd)
    )
      return true;
    if (/(^|\s)(-d|--data[a-z-]*|-F|--form[a-z-]*|-T|--upload-file|--json|-X\s*(POST|PUT|PATCH)|--method\s*(POST|PUT|PATCH))(\s|=|$)/i.test(cmd)) return true;
    return bash.urls.some((u) => queryValue(u, 8));
  }
  if (tool === 'WebFetch') return typeof input.url === 'string' && queryValue(input.url, 8);
  let chars = 0;
  for (const [k, v] of Object.entries(input)) {
    if (
      /^(to|recipients?|cc|bcc|email|emails|user_?email|channel|user|username|iban|account|payee|phone(_?number)?|to_?phone_?number|owner|repo|repository)$/i.test(
        k,
      )
    )
      continue;
    if (/attach/i.test(k) && v !== null && v !== undefined) return true;
    for (const t of stringLeaves(v, 4096)) chars += t.length;
    if (chars >= 8) return true;
  }
  return false;
}

export function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Base names of the files where a project keeps its own places (repository, homepage, deploy targets, endpoints). */
export const PROJECT_CONFIG =
  /^(claude\.md|claude\.local\.md|agents\.md|package\.json|pyproject\.toml|cargo\.toml|go\.mod|composer\.json|gemfile|setup\.cfg|setup\.py|\.env(\.[\w.-]+)?|vercel\.json|netlify\.toml|fly\.toml|wrangler\.(toml|jsonc?)|render\.ya?ml|app\.ya?ml|app\.json|procfile|firebase\.json|\.firebaserc|serverless\.ya?ml|(docker-)?compose(\.[\w-]+)?\.ya?ml|dockerfile|\.gitmodules|[\w.-]*\.tf|[\w.-]*\.tfvars|[\w.-]*deploy[\w.-]*|[\w-]+\.config\.(js|ts|mjs|cjs|json))$/i;

/** The project's source code: a host its code talks to is the project's endpoint (docs and READMEs are not: injections hide there). */
export const PROJECT_SOURCE = /\.(js|jsx|mjs|cjs|ts|tsx|py|go|rs|java|kt|rb|php|swift|cs|c|cc|cpp|h|hpp|scala|dart|vue|svelte|astro|lua|ex|exs|sh|sql)$/i;

/** Commands that fetch a URL and print what came back. */
export const PLAIN_FETCHERS = new Set(['curl', 'wget', 'http', 'https', 'xh', 'lynx', 'links', 'w3m']);

/**
 * A request that carries credentials: what comes back may be the user's private data. A header's name and the
 * blanks around it are bounded: unbounded, `x-[\w-]*token` ran to the end of a run of `-HX-O…` from every `-H`
 * of it, and the blanks after `-H` were split every way between `[\s=]*` and `\s*` (quadratic: 7 s for 128 KB).
 */
export const AUTHENTICATED =
  /(-H|--header)[\s=]{0,16}['"]?\s{0,16}(authorization|x-api-key|api-key|apikey|x-auth[\w-]{0,64}|cookie|private-token|x-access-token|x-[\w-]{0,64}token|x-[\w-]{0,64}key)\s{0,16}:|\s(-u|--user|-b|--cookie|--oauth2-bearer|--netrc[\w-]*|-n)(\s|=)|[?&](api_?key|key|token|access_token|auth|sig|signature|secret|password)=|\$\{?[A-Za-z_]*(TOKEN|KEY|SECRET|PASS|AUTH|COOKIE)/i;
