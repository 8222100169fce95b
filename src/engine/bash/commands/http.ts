/** HTTP clients: curl, wget, HTTPie/xh. Files sent with -d @f, -F f=@x, -T, --post-file; hosts of the URLs. */
import type { Word } from '../ast.ts';
import { hasOpt, parseOpts } from '../options.ts';
import { hostFromUrlish } from '../hosts.ts';
import { type Call, type CmdResult, type Ctx, EG_STDIN, NONE } from '../context.ts';

const CURL_SHORT = 'AbcCdDeEFHKmoPQrtTuUwxXyYz';
const CURL_LONG = [
  'data',
  'data-ascii',
  'data-binary',
  'data-raw',
  'data-urlencode',
  'json',
  'form',
  'form-string',
  'upload-file',
  'header',
  'proxy-header',
  'output',
  'user',
  'user-agent',
  'referer',
  'request',
  'cookie',
  'cookie-jar',
  'config',
  'proxy',
  'preproxy',
  'url',
  'write-out',
  'max-time',
  'connect-timeout',
  'range',
  'cert',
  'key',
  'cacert',
  'capath',
  'dump-header',
  'resolve',
  'connect-to',
  'speed-limit',
  'speed-time',
  'time-cond',
  'continue-at',
  'retry',
  'retry-delay',
  'retry-max-time',
  'proxy-user',
  'limit-rate',
  'max-filesize',
  'interface',
  'dns-servers',
  'dns-interface',
  'dns-ipv4-addr',
  'dns-ipv6-addr',
  'local-port',
  'quote',
  'mail-from',
  'mail-rcpt',
  'mail-auth',
  'telnet-option',
  'ciphers',
  'oauth2-bearer',
  'variable',
  'trace',
  'trace-ascii',
  'stderr',
  'unix-socket',
  'abstract-unix-socket',
  'proto',
  'proto-redir',
  'proto-default',
  'pinnedpubkey',
  'hostpubmd5',
  'hostpubsha256',
  'keepalive-time',
  'noproxy',
  'aws-sigv4',
  'sasl-authzid',
  'service-name',
  'socks4',
  'socks4a',
  'socks5',
  'socks5-hostname',
  'socks5-gssapi-service',
  'happy-eyeballs-timeout-ms',
  'tls-max',
  'create-file-mode',
  'output-dir',
  'etag-save',
  'etag-compare',
  'url-query',
  'request-target',
  'login-options',
  'krb',
  'engine',
  'cert-type',
  'key-type',
  'pass',
  'netrc-file',
  'ftp-port',
  'ftp-account',
  'ftp-alternative-to-user',
  'ftp-method',
  'ftp-ssl-ccc-mode',
  'delegation',
  'hsts',
  'alt-svc',
  'parallel-max',
  'rate',
  'ip-tos',
  'vlan-priority',
  'ech',
  'ipfs-gateway',
  'curves',
  'tls13-ciphers',
  'doh-url',
  'proxy-cacert',
  'proxy-capath',
  'proxy-cert',
  'proxy-cert-type',
  'proxy-ciphers',
  'proxy-crlfile',
  'proxy-key',
  'proxy-key-type',
  'proxy-pass',
  'proxy-pinnedpubkey',
  'proxy-service-name',
  'proxy-tls13-ciphers',
  'proxy-tlsauthtype',
  'proxy-tlspassword',
  'proxy-tlsuser',
  'crlfile',
  'egd-file',
  'random-file',
  'tlsauthtype',
  'tlspassword',
  'tlsuser',
  'max-redirs',
  'expect100-timeout',
  'libcurl',
  'ssl-sessions',
  'upload-flags',
  'knownhosts',
  'trace-config',
];
const WGET_SHORT = 'OoaiePUtTwQlDARXIB';
const WGET_LONG = [
  'output-document',
  'output-file',
  'append-output',
  'input-file',
  'execute',
  'directory-prefix',
  'user-agent',
  'tries',
  'timeout',
  'wait',
  'quota',
  'level',
  'domains',
  'exclude-domains',
  'accept',
  'reject',
  'accept-regex',
  'reject-regex',
  'post-data',
  'post-file',
  'body-data',
  'body-file',
  'method',
  'header',
  'user',
  'password',
  'http-user',
  'http-password',
  'ftp-user',
  'ftp-password',
  'proxy-user',
  'proxy-password',
  'load-cookies',
  'save-cookies',
  'ca-certificate',
  'ca-directory',
  'certificate',
  'certificate-type',
  'private-key',
  'private-key-type',
  'referer',
  'base',
  'exclude-directories',
  'include-directories',
  'bind-address',
  'limit-rate',
  'dns-timeout',
  'connect-timeout',
  'read-timeout',
  'waitretry',
  'local-encoding',
  'remote-encoding',
  'default-page',
  'cut-dirs',
  'restrict-file-names',
  'secure-protocol',
  'ciphers',
  'crl-file',
  'pinnedpubkey',
  'random-file',
  'egd-file',
  'hsts-file',
  'warc-file',
  'warc-header',
  'warc-max-size',
  'warc-cdx',
  'warc-dedup',
  'warc-tempdir',
  'use-askpass',
  'config',
  'rejected-log',
  'report-speed',
  'progress',
  'prefer-family',
  'retry-on-http-error',
  'compression',
  'max-redirect',
];

/** curl options whose value goes into the request (a value starting with @ names a file, sent as an upload) */
const CURL_SENT = new Set([
  '-d',
  '--data',
  '--data-ascii',
  '--data-binary',
  '--data-raw',
  '--json',
  '--data-urlencode',
  '--url-query',
  '-F',
  '--form',
  '--form-string',
  '-H',
  '--header',
  '--proxy-header',
  '-u',
  '--user',
  '--proxy-user',
  '-b',
  '--cookie',
  '-A',
  '--user-agent',
  '-e',
  '--referer',
  '--request-target',
  '--oauth2-bearer',
  '--aws-sigv4',
  '--mail-from',
  '--mail-rcpt',
  '-Q',
  '--quote',
  '--variable',
]);

/** wget options whose value goes into the request */
const WGET_SENT = new Set([
  '--post-data',
  '--body-data',
  '--header',
  '--user',
  '--password',
  '--http-user',
  '--http-password',
  '--ftp-user',
  '--ftp-password',
  '--proxy-user',
  '--proxy-password',
  '-U',
  '--user-agent',
  '--referer',
  '--method',
]);

export function curl(ctx: Ctx, args: Word[]): CmdResult {
  const p = parseOpts(args.slice(1), CURL_SHORT, CURL_LONG, false);
  const targets: Word[] = [...p.pos];
  let stdinUse = false;
  let help = false;
  const fileArg = (f: string | null): void => {
    if (f === null) return;
    if (f === '-' || f === '/dev/stdin') stdinUse = true;
    else ctx.upload(f);
  };
  for (const o of p.opts) {
    const v = o.value?.text ?? '';
    switch (o.name) {
      case '-d':
      case '--data':
      case '--data-ascii':
      case '--data-binary':
      case '--json':
        if (v.startsWith('@')) fileArg(v.slice(1));
        break;
      case '--data-urlencode':
      case '--url-query':
      case '--variable':
        fileArg(urlencodeFile(v));
        break;
      case '-F':
      case '--form':
        fileArg(formFile(v));
        break;
      case '-T':
      case '--upload-file':
        if (v === '.') stdinUse = true;
        else fileArg(v);
        break;
      case '-H':
      case '--header':
      case '--proxy-header':
        if (v.startsWith('@')) fileArg(v.slice(1));
        break;
      case '--url':
        if (o.value) targets.push(o.value);
        break;
      case '-o':
      case '--output':
      case '-D':
      case '--dump-header':
      case '-c':
      case '--cookie-jar':
      case '--trace':
      case '--trace-ascii':
      case '--stderr':
      case '--etag-save':
      case '--libcurl':
        ctx.write(v);
        break;
      case '-K':
      case '--config':
        if (v === '-') stdinUse = true;
        else ctx.read(v);
        break;
      case '--key':
      case '--cacert':
      case '--netrc-file':
      case '-E':
      case '--cert':
      case '--proxy-key':
        ctx.read(o.name === '-E' || o.name === '--cert' ? v.replace(/:[^/]*$/, '') : v);
        break;
      case '-b':
      case '--cookie':
        if (!v.includes('=')) ctx.read(v);
        break;
      case '-x':
      case '--proxy':
      case '--preproxy':
      case '--socks4':
      case '--socks4a':
      case '--socks5':
      case '--socks5-hostname':
        ctx.hostOf(o.value);
        break;
      case '-h':
      case '--help':
      case '-V':
      case '--version':
      case '-M':
      case '--manual':
        help = true;
        break;
      default:
        break;
    }
  }
  for (const t of targets) {
    ctx.hostOf(t);
    ctx.scanUrls(t.text);
  }
  if (help && !targets.length) return NONE;
  ctx.egress('curl');
  // what goes in the request: URLs, data, headers, forms, credentials (not local paths: -o, --cacert ...)
  ctx.send([...targets, ...p.opts.filter((o) => o.value && CURL_SENT.has(o.name) && !/^@/.test(o.value.text)).map((o) => o.value!)]);
  return { egress: true, stdin: stdinUse };
}

export function wget(ctx: Ctx, args: Word[]): CmdResult {
  const p = parseOpts(args.slice(1), WGET_SHORT, WGET_LONG, false);
  let stdinUse = false;
  let help = false;
  const targets = [...p.pos];
  for (const o of p.opts) {
    const v = o.value?.text ?? '';
    switch (o.name) {
      case '--post-file':
      case '--body-file':
        if (v === '-' || v === '/dev/stdin') stdinUse = true;
        else ctx.upload(v);
        break;
      case '-O':
      case '--output-document':
      case '-o':
      case '--output-file':
      case '-a':
      case '--append-output':
      case '--save-cookies':
      case '--warc-file':
      case '--rejected-log':
        ctx.write(v);
        break;
      case '-i':
      case '--input-file':
        if (v === '-') stdinUse = true;
        else ctx.read(v);
        break;
      case '--load-cookies':
      case '--ca-certificate':
      case '--certificate':
      case '--private-key':
      case '--config':
        ctx.read(v);
        break;
      case '-e':
      case '--execute': {
        const m = /^\s*(?:https?_proxy|ftp_proxy)\s*=\s*(\S+)/i.exec(v);
        if (m) ctx.hostName(hostFromUrlish(m[1]!));
        break;
      }
      case '-h':
      case '--help':
      case '-V':
      case '--version':
        help = true;
        break;
      default:
        break;
    }
  }
  for (const t of targets) ctx.hostOf(t);
  if (help && !targets.length) return NONE;
  ctx.egress('wget');
  ctx.send([...targets, ...p.opts.filter((o) => o.value && WGET_SENT.has(o.name)).map((o) => o.value!)]);
  return { egress: true, stdin: stdinUse };
}

export function httpie(ctx: Ctx, args: Word[], call: Call): CmdResult {
  const { name } = call;
  const p = parseOpts(
    args.slice(1),
    'aAospPm',
    [
      'auth',
      'auth-type',
      'output',
      'style',
      'print',
      'history-print',
      'session',
      'session-read-only',
      'verify',
      'cert',
      'cert-key',
      'cert-key-pass',
      'proxy',
      'timeout',
      'pretty',
      'format-options',
      'default-scheme',
      'max-redirects',
      'max-headers',
      'boundary',
      'raw',
      'response-charset',
      'response-mime',
      'ssl',
      'ciphers',
      'bearer',
      'resolve',
      'interface',
      'http-version',
      'unix-socket',
    ],
    false,
  );
  for (const o of p.opts) {
    const v = o.value;
    if (!v) continue;
    if (o.name === '-o' || o.name === '--output') ctx.write(v.text);
    else if (o.name === '--cert' || o.name === '--cert-key' || o.name === '--session-read-only') ctx.read(v.text);
    else if (o.name === '--proxy') ctx.hostName(hostFromUrlish(v.shape.replace(/^[a-z]+:(?!\/\/)/i, '')));
  }
  let pos = p.pos;
  if (pos[0] && /^[A-Z]+$/.test(pos[0].text) && pos.length > 1) pos = pos.slice(1);
  const target = pos[0];
  if (!target) {
    return hasOpt(p.opts, '--help', '--version', '-h') ? NONE : (ctx.egress(name), EG_STDIN);
  }
  if (/^:(\d|\/|$)/.test(target.text)) ctx.hostName('localhost');
  else ctx.hostOf(target);
  for (const item of pos.slice(1)) {
    const f = httpieFile(item.text);
    if (f !== null) ctx.upload(f);
  }
  ctx.egress(name);
  ctx.send([target, ...pos.slice(1).filter((item) => httpieFile(item.text) === null)]);
  return { egress: true, stdin: !hasOpt(p.opts, '-I', '--ignore-stdin') };
}

/** `--data-urlencode` forms: `@file`, `name@file` */
function urlencodeFile(v: string): string | null {
  if (v.startsWith('@')) return v.slice(1);
  const at = v.indexOf('@');
  const eq = v.indexOf('=');
  if (at > 0 && (eq < 0 || at < eq)) return v.slice(at + 1);
  return null;
}

/** `-F name=@file;type=..`, `-F name=<file` */
function formFile(v: string): string | null {
  const eq = v.indexOf('=');
  if (eq < 0) return null;
  let rest = v.slice(eq + 1);
  if (rest[0] !== '@' && rest[0] !== '<') return null;
  rest = rest.slice(1);
  if (rest.startsWith('"')) {
    const e = rest.indexOf('"', 1);
    return rest.slice(1, e > 0 ? e : undefined);
  }
  const semi = rest.indexOf(';');
  return semi >= 0 ? rest.slice(0, semi) : rest;
}

/** HTTPie request items that read a file: `field@path`, `field=@path`, `field:=@path`. */
function httpieFile(item: string): string | null {
  for (let i = 0; i < item.length; i++) {
    const c = item[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '@') return item.slice(i + 1).replace(/;type=.*$/, '') || null;
    if (c === '=' || c === ':') {
      const r = item.slice(i);
      const m = /^(?:=@|:=@)(.+)$/.exec(r);
      return m ? m[1]! : null;
    }
  }
  return null;
}
