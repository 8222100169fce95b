/** URL and host extraction from free text, and host matching against domain lists. Pure. */
import { getDomain } from 'tldts';

/** (exported for the tests, which check that the faster searches below find what these find with matchAll) */
export const URL_RE = /\b[a-z][a-z0-9+.-]{1,15}:\/\/[^\s"'`<>()[\]{}\\|^]+/gi;
// scheme-less host names: labels separated by dots, ending in an alphabetic TLD
export const HOST_RE = /(?<![A-Za-z0-9@._-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,23}(?![A-Za-z0-9_@-])/gi;
const IPV4_RE = /(?<![0-9.])(?:(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(?![0-9.])/g;

/** File-name endings that look like TLDs but are (almost always) files in coding work. */
const FILE_ENDINGS = new Set([
  'js',
  'ts',
  'tsx',
  'jsx',
  'mjs',
  'cjs',
  'json',
  'md',
  'txt',
  'py',
  'rb',
  'go',
  'rs',
  'java',
  'kt',
  'c',
  'h',
  'cc',
  'cpp',
  'hpp',
  'cs',
  'sh',
  'bash',
  'zsh',
  'yml',
  'yaml',
  'toml',
  'ini',
  'cfg',
  'conf',
  'lock',
  'log',
  'env',
  'pem',
  'key',
  'crt',
  'csv',
  'tsv',
  'html',
  'htm',
  'css',
  'scss',
  'sql',
  'db',
  'sqlite',
  'xml',
  'svg',
  'png',
  'jpg',
  'jpeg',
  'gif',
  'pdf',
  'zip',
  'gz',
  'tgz',
  'tar',
  'bz2',
  'xz',
  'map',
  'd',
  'test',
  'spec',
  'min',
  'swift',
  'php',
  'pl',
  'lua',
  'vue',
  'svelte',
  'astro',
  'mdx',
  'ipynb',
  'example',
  'sample',
  'template',
  'local',
  'bak',
  'tmp',
  'orig',
  'old',
  'node',
  'exe',
  'dll',
  'so',
  'dylib',
  'wasm',
  'bin',
  'dat',
  'out',
  'diff',
  'patch',
  'properties',
  'gradle',
  'tf',
  'tfvars',
  'tfstate',
  'hcl',
  'proto',
  'graphql',
  'gql',
  'prisma',
  'rst',
  'adoc',
  'tex',
  'r',
  'scala',
  'ex',
  'exs',
  'erl',
  'hs',
  'ml',
  'clj',
  'dart',
  'sol',
  'vim',
  'el',
  'fish',
  'ps1',
  'bat',
  'cmd',
  'mk',
  'cmake',
  'jar',
  'war',
  'whl',
  'egg',
  'gem',
  'deb',
  'rpm',
  'dmg',
  'iso',
  'img',
  'pub',
  'p12',
  'pfx',
  'jks',
  'keystore',
  'crx',
  'ttf',
  'woff',
  'woff2',
  'eot',
  'otf',
  'ico',
  'webp',
  'avif',
  'mp3',
  'mp4',
  'wav',
  'mov',
  'webm',
  'then',
  'catch',
  'length',
  'push',
  'map',
  'filter',
  'prototype',
  'exports',
  'module',
  'default',
  'name',
  'value',
  'data',
  'body',
  'json',
  'text',
  'get',
  'set',
  'has',
  'log',
  'error',
  'warn',
  'info',
  'debug',
  'env',
  'argv',
  'cwd',
  'stdout',
  'stderr',
  'stdin',
  'id',
]);

/** Hosts (lower-case, no port) of every URL in the text. */
export function urlHosts(text: string): string[] {
  const hosts: string[] = [];
  forEachUrl(text, (u) => {
    const h = hostOfUrl(u);
    if (h) hosts.push(h);
  });
  return hosts;
}

/**
 * Each match of URL_RE in `text`, in order: what `text.matchAll(URL_RE)` gives, found faster. A match
 * holds its `://` 2 to 16 characters after its start (the scheme is 2 to 16 characters without a colon),
 * so no match starts more than 16 characters before the next `://`: the search starts there (a 700 KB
 * output with a hundred URLs is searched around them, not at each of its word boundaries).
 */
export function forEachUrl(text: string, each: (url: string) => void): void {
  const re = URL_RE;
  let from = 0;
  for (;;) {
    const sep = text.indexOf('://', from);
    if (sep < 0) break;
    re.lastIndex = Math.max(from, sep - 16);
    const m = re.exec(text);
    if (m === null) break;
    each(m[0]);
    from = m.index + m[0].length;
  }
  re.lastIndex = 0;
}

/** The characters a host-name match may not follow (HOST_RE's lookbehind): ASCII letters and digits, @ . _ - */
const HOST_RUN = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789@._-') HOST_RUN[c.charCodeAt(0)] = 1;
/** HOST_RE at one position (sticky), without its lookbehind: forEachHostName tries it only where that holds. */
const HOST_AT = new RegExp(HOST_RE.source.replace('(?<![A-Za-z0-9@._-])', ''), 'iy');

/**
 * Each match of HOST_RE in `text`, in order: what `text.matchAll(HOST_RE)` gives, found faster. A match
 * starts where its lookbehind holds (the text's start, or after a character outside [A-Za-z0-9@._-]),
 * so at the start of a run of those characters, and it stays inside that run (its characters are all of
 * them): at most one match per run, and only in a run with a dot. Runs without a dot are skipped by
 * indexOf; each other run is tried once, at its start.
 */
export function forEachHostName(text: string, each: (name: string) => void): void {
  const n = text.length;
  let from = 0;
  for (;;) {
    const dot = text.indexOf('.', from);
    if (dot < 0) break;
    let start = dot;
    for (let c = text.charCodeAt(start - 1); start > from && c < 128 && HOST_RUN[c] === 1; c = text.charCodeAt(start - 1)) start--;
    let end = dot + 1;
    for (let c = text.charCodeAt(end); end < n && c < 128 && HOST_RUN[c] === 1; c = text.charCodeAt(end)) end++;
    HOST_AT.lastIndex = start;
    const m = HOST_AT.exec(text);
    if (m !== null) each(m[0]);
    from = end;
  }
  HOST_AT.lastIndex = 0;
}

/** scheme://authority of a URL: what its host depends on (a 2 KB query need not be parsed for that) */
const URL_HEAD_RE = /^([a-z][a-z0-9+.-]*):\/\/[^/?#\\]*/i;
const SPACE_OR_CONTROL = /[\x00-\x20\x7f]/;
const SPECIAL_SCHEMES = new Set(['http', 'https', 'ws', 'wss', 'ftp', 'file']);

export function hostOfUrl(u: string): string | null {
  try {
    // the host is decided by the scheme and the authority alone; the authority ends at / ? # (and,
    // for special schemes, at a backslash)
    const head = URL_HEAD_RE.exec(u);
    // (left to the full parser: an empty authority, as `http:////host` skips the extra slashes; an
    // authority with spaces or control chars, which the parser would strip at the end of a string)
    const cut =
      head &&
      head[0].length > (head[1] as string).length + 3 &&
      !SPACE_OR_CONTROL.test(head[0]) &&
      (SPECIAL_SCHEMES.has((head[1] as string).toLowerCase()) || !u.includes('\\'))
        ? head[0]
        : u;
    const h = new URL(cut).hostname.toLowerCase();
    return h.replace(/^\[|\]$/g, '') || null;
  } catch {
    const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?([^/:?#]+)/i.exec(u);
    return m?.[1]?.toLowerCase() ?? null;
  }
}

/**
 * Every host-like name in a text, with or without a scheme: URLs, `user@host:path`, bare
 * `webhook.site/x`. File names such as `index.ts` are skipped by their ending.
 */
export function allHosts(text: string): string[] {
  const out = new Set<string>(urlHosts(text));
  // (a name seen already is skipped before it is lower-cased: minified code names `e.prototype` a thousand times)
  const seen = new Set<string>();
  forEachHostName(text, (name) => {
    if (seen.has(name)) return;
    seen.add(name);
    const h = name.toLowerCase();
    const tld = h.slice(h.lastIndexOf('.') + 1);
    if (!FILE_ENDINGS.has(tld)) out.add(h);
  });
  for (const m of text.matchAll(IPV4_RE)) out.add(m[0]);
  return [...out];
}

/** True if host equals a listed domain or is a subdomain of it. Entries may start with `*.` or `.`. */
export function hostMatches(host: string, domain: string): boolean {
  const d = domain.toLowerCase().replace(/^\*?\./, '');
  const h = host.toLowerCase().replace(/\.$/, '');
  return h === d || h.endsWith('.' + d);
}

/** Per list: normalised domain -> index of its first entry (built once per list array). */
const compiledLists = new WeakMap<readonly string[], Map<string, number>>();

/**
 * The first entry of `list` (in list order) that `host` matches, as hostMatches() decides. Looks up
 * the host and each of its parent domains in a map built once per list: no strings per entry.
 */
export function matchDomainList(host: string, list: readonly string[]): string | undefined {
  let m = compiledLists.get(list);
  if (!m) {
    m = new Map();
    for (let i = 0; i < list.length; i++) {
      const d = (list[i] as string).toLowerCase().replace(/^\*?\./, '');
      if (!m.has(d)) m.set(d, i);
    }
    compiledLists.set(list, m);
  }
  if (m.size === 0) return undefined;
  const h = host.toLowerCase().replace(/\.$/, '');
  let best = m.get(h) ?? -1;
  for (let dot = h.indexOf('.'); dot >= 0; dot = h.indexOf('.', dot + 1)) {
    const i = m.get(h.slice(dot + 1));
    if (i !== undefined && (best < 0 || i < best)) best = i;
  }
  return best < 0 ? undefined : list[best];
}

/**
 * tldts options for registrableDomain(): the host is already a lower-case host name (no URL to
 * parse, no validation), and only the ICANN section of the Public Suffix List counts. The private
 * section (github.io, herokuapp.com, ngrok.io …) would make every customer sub-domain its own site,
 * so an attacker could spread the pieces of one secret over `a.evil.herokuapp.com`,
 * `b.evil2.herokuapp.com`; for adding up what leaves, one operator's domain is one site.
 */
const PSL_OPTIONS = { allowPrivateDomains: false, detectIp: true, extractHostname: false, validateHostname: false, mixedInputs: false } as const;

/**
 * The registrable domain (eTLD+1, by the Public Suffix List) of a host name: `a.b.example.co.uk`
 * -> `example.co.uk`, `<chunk>.xyz.io` -> `xyz.io`. IP addresses, single labels (`localhost`) and
 * bare public suffixes come back as they are (lower-cased, without a trailing dot).
 */
export function registrableDomain(host: string): string {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (h.length === 0 || h.includes(':') || h.includes('[')) return h; // IPv6
  return getDomain(h, PSL_OPTIONS) ?? h;
}

export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '0.0.0.0';
}

/** Default list of endpoints that exist to receive arbitrary data: request bins, tunnels, paste sites. */
export const DEFAULT_SUSPICIOUS_ENDPOINTS: readonly string[] = [
  'webhook.site',
  'requestbin.com',
  'requestbin.net',
  'pipedream.net',
  'pipedream.com',
  'hookbin.com',
  'beeceptor.com',
  'requestcatcher.com',
  'postb.in',
  'ptsv2.com',
  'ptsv3.com',
  'mockbin.org',
  'mockbin.io',
  'webhook.cool',
  'smee.io',
  'ngrok.io',
  'ngrok.app',
  'ngrok-free.app',
  'ngrok-free.dev',
  'ngrok.dev',
  'trycloudflare.com',
  'loca.lt',
  'localtunnel.me',
  'serveo.net',
  'localhost.run',
  'lhr.life',
  'pagekite.me',
  'telebit.cloud',
  'tunnelmole.net',
  'bore.pub',
  'interact.sh',
  'oast.fun',
  'oast.live',
  'oast.me',
  'oast.online',
  'oast.pro',
  'oast.site',
  'burpcollaborator.net',
  'oastify.com',
  'dnslog.cn',
  'canarytokens.com',
  'transfer.sh',
  'pastebin.com',
  'paste.ee',
  'hastebin.com',
  'ix.io',
  '0x0.st',
  'termbin.com',
  'file.io',
  'temp.sh',
  'bashupload.com',
  'ghostbin.com',
];
