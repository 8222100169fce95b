/**
 * Interpreter one-liners (python -c, node -e, perl -e, ruby -e, php -r, pwsh -c, deno eval ...):
 * their code talks to the network, reads or writes files, or shells out to commands analysed in turn.
 */
import type { Word } from '../ast.ts';
import { CODE_LITERAL_RE, CODE_OPEN_RE, CODE_READ_RE, CODE_WRITE_RE, NET_CODE_RE, PERL_OPEN_RE, SHELL_OUT_RE } from './code-patterns.ts';
import { hitLimit, MAX_CODE_ARG_LISTS, MAX_CODE_CANDIDATES, MAX_CODE_LITERALS, MAX_DEPTH, MAX_INPUT } from '../limits.ts';
import { hostFromUrlish, URL_IN_TEXT_RE } from '../hosts.ts';
import { parseOpts } from '../options.ts';
import { shq } from '../util.ts';
import { type Call, type CmdResult, type Ctx, EG, EG_STDIN, NONE } from '../context.ts';

export function interpFamily(name: string): string | null {
  if (/^python[0-9.]*$/.test(name) || /^pypy[0-9.]*$/.test(name)) return 'python';
  if (name === 'node' || name === 'nodejs') return 'node';
  if (name === 'bun') return 'bun';
  if (name === 'deno') return 'deno';
  if (name === 'ruby' || name === 'jruby' || /^ruby[0-9.]+$/.test(name)) return 'ruby';
  if (name === 'perl' || /^perl5[0-9.]*$/.test(name)) return 'perl';
  if (name === 'php' || /^php[0-9.]+$/.test(name)) return 'php';
  if (name === 'pwsh' || name === 'powershell') return 'pwsh';
  if (name === 'lua' || name === 'luajit' || /^lua[0-9.]+$/.test(name)) return 'lua';
  if (name === 'Rscript') return 'Rscript';
  if (name === 'osascript') return 'osascript';
  return null;
}

export function interp(ctx: Ctx, args: Word[], call: Call): CmdResult {
  const { name, depth, stdin } = call;
  const fam = interpFamily(name) ?? name;
  const codes: string[] = [];
  let label = fam;
  let netFlag = false;
  let script = false;
  let fromStdin = false;
  const a = args.slice(1);
  switch (fam) {
    case 'python':
      outer: for (let i = 0; i < a.length; i++) {
        const t = a[i]!.text;
        if (t === '-') {
          fromStdin = true;
          break;
        }
        if (t === '--') {
          script = i + 1 < a.length;
          break;
        }
        if (t.startsWith('--')) {
          if (t === '--check-hash-based-pycs') i++;
          continue;
        }
        if (t.startsWith('-') && t.length > 1) {
          for (let j = 1; j < t.length; j++) {
            const ch = t[j]!;
            const rest = t.slice(j + 1);
            if (ch === 'c') {
              codes.push(rest || (a[++i]?.text ?? ''));
              label = 'python -c';
              break outer;
            }
            if (ch === 'm') {
              const mod = rest || (a[++i]?.text ?? '');
              if (/^(http\.server|SimpleHTTPServer|smtpd|aiosmtpd|pyftpdlib|uploadserver|wsgiref\.simple_server|twine)$/.test(mod)) {
                netFlag = true;
                label = 'python -m ' + mod;
              }
              script = true;
              break outer;
            }
            if (ch === 'W' || ch === 'X') {
              if (!rest) i++;
              break;
            }
          }
          continue;
        }
        script = true;
        break;
      }
      break;
    case 'node':
    case 'bun':
      if (fam === 'bun' && a[0] && !a[0].text.startsWith('-')) {
        if (a[0].text === 'publish') {
          ctx.egress('bun publish');
          return EG;
        }
        script = true;
        break;
      }
      for (let i = 0; i < a.length; i++) {
        const t = a[i]!.text;
        const eq = t.indexOf('=');
        const base = t.startsWith('--') && eq > 0 ? t.slice(0, eq) : t;
        const inline = t.startsWith('--') && eq > 0 ? t.slice(eq + 1) : null;
        if (['-e', '--eval', '-p', '--print', '-pe'].includes(base)) {
          codes.push(inline ?? a[++i]?.text ?? '');
          label = `${fam} -e`;
          break;
        }
        if (base === '--env-file') {
          ctx.read(inline ?? a[++i]?.text);
          continue;
        }
        if (
          [
            '-r',
            '--require',
            '--import',
            '--loader',
            '--experimental-loader',
            '-C',
            '--conditions',
            '--input-type',
            '--title',
            '--inspect-port',
            '--cpu-prof-dir',
            '--heap-prof-dir',
            '--diagnostic-dir',
            '--stack-size',
            '--max-old-space-size',
          ].includes(base)
        ) {
          if (inline === null) i++;
          continue;
        }
        if (t === '-') {
          fromStdin = true;
          break;
        }
        if (t.startsWith('-')) continue;
        script = true;
        break;
      }
      break;
    case 'deno': {
      const p = parseOpts(a, '', ['ext', 'config', 'import-map', 'location', 'seed', 'v8-flags', 'cert', 'env-file'], false);
      if (p.pos[0]?.text === 'eval' && p.pos[1]) {
        codes.push(p.pos[1].text);
        label = 'deno eval';
      } else script = true;
      break;
    }
    case 'ruby':
    case 'perl':
    case 'lua':
    case 'Rscript':
    case 'osascript': {
      const codeCh = fam === 'perl' ? 'eE' : 'e';
      const valueCh = fam === 'ruby' ? 'rICEFxT0Kl' : fam === 'perl' ? 'MmIilx0FCdDV' : fam === 'lua' ? 'l' : fam === 'osascript' ? 'ls' : '';
      // perl -pi -e '…' f / ruby -i -pe '…' f: the files after the code are edited in place
      let inPlace = false;
      for (let i = 0; i < a.length; i++) {
        const t = a[i]!.text;
        if (t === '--') {
          script = codes.length === 0 && i + 1 < a.length;
          break;
        }
        if (t.startsWith('--')) continue;
        if (t.startsWith('-') && t.length > 1) {
          for (let j = 1; j < t.length; j++) {
            const ch = t[j]!;
            const rest = t.slice(j + 1);
            if (ch === 'i' && (fam === 'perl' || fam === 'ruby')) inPlace = true;
            if (codeCh.includes(ch)) {
              codes.push(rest || (a[++i]?.text ?? ''));
              break;
            }
            if (valueCh.includes(ch)) {
              const v = rest || (ch === 'r' || ch === 'M' || ch === 'm' || (fam === 'lua' && ch === 'l') ? (a[++i]?.text ?? '') : '');
              if (
                (ch === 'r' || (fam === 'lua' && ch === 'l')) &&
                /^(socket|net\/https?|open-uri|net\/ftp|net\/smtp|httparty|faraday|rest-client|socket\.http|ssl\.https)$/.test(v)
              )
                netFlag = true;
              if ((ch === 'M' || ch === 'm') && /^-?(IO::Socket|Socket|LWP|HTTP::|Net::|Mojo|URI::Fetch|WWW::)/.test(v)) netFlag = true;
              break;
            }
          }
          continue;
        }
        if (!codes.length) script = true;
        else if (inPlace)
          for (const w of a.slice(i)) {
            if (w.text.startsWith('-')) continue;
            ctx.read(w.text);
            ctx.write(w.text);
          }
        break;
      }
      label = fam === 'osascript' ? 'osascript -e' : fam === 'Rscript' ? 'Rscript -e' : `${fam} -e`;
      break;
    }
    case 'php':
      for (let i = 0; i < a.length; i++) {
        const t = a[i]!.text;
        if (t === '-r' || t === '-B' || t === '-R' || t === '-E') {
          codes.push(a[++i]?.text ?? '');
          label = 'php -r';
          continue;
        }
        if (t === '-S') {
          netFlag = true;
          label = 'php -S';
          i++;
          continue;
        }
        if (['-d', '-c', '-t', '-z', '-f', '-F'].includes(t)) {
          if (t === '-f') script = true;
          i++;
          continue;
        }
        if (t.startsWith('-')) continue;
        if (!codes.length) script = true;
        break;
      }
      break;
    case 'pwsh':
      for (let i = 0; i < a.length; i++) {
        const t = a[i]!.text.toLowerCase();
        if (t === '-c' || t === '-command' || t === '/c' || (t.startsWith('-com') && '-command'.startsWith(t))) {
          codes.push(
            a
              .slice(i + 1)
              .map((w) => w.text)
              .join(' '),
          );
          break;
        }
        if (t === '-e' || t === '-ec' || t === '-enc' || (t.startsWith('-en') && '-encodedcommand'.startsWith(t))) {
          const b = a[i + 1]?.text ?? '';
          try {
            codes.push(Buffer.from(b, 'base64').toString('utf16le'));
          } catch {
            codes.push(b);
          }
          break;
        }
        if (t === '-f' || t === '-file') {
          script = true;
          break;
        }
        if (
          [
            '-executionpolicy',
            '-ep',
            '-ex',
            '-windowstyle',
            '-w',
            '-outputformat',
            '-of',
            '-inputformat',
            '-if',
            '-workingdirectory',
            '-wd',
            '-configurationname',
            '-settingsfile',
            '-custompipename',
            '-version',
            '-v',
          ].includes(t)
        ) {
          i++;
          continue;
        }
        if (t.startsWith('-')) continue;
        if (name === 'powershell')
          codes.push(
            a
              .slice(i)
              .map((w) => w.text)
              .join(' '),
          );
        else script = true;
        break;
      }
      label = `${fam} -c`;
      break;
    default:
      break;
  }
  if (!codes.length && !script && stdin.text !== null && (fromStdin || a.every((w) => w.text.startsWith('-')))) {
    codes.push(stdin.text);
  }
  let net = netFlag;
  for (const c of codes) ctx.acc.code.push({ family: fam, text: c });
  for (const c of codes) if (code(ctx, c, depth)) net = true;
  if (net) {
    ctx.egress(label);
    return EG_STDIN;
  }
  return NONE;
}

export function code(ctx: Ctx, src: string, depth: number): boolean {
  if (src.length > MAX_INPUT) hitLimit(ctx.acc, 'code_size');
  const text = src.length > MAX_INPUT ? src.slice(0, MAX_INPUT) : src;
  const net = NET_CODE_RE.test(text);
  const reads: string[] = [];
  const isPath = (p: string): boolean => !!p && !/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(p);
  for (const m of text.matchAll(CODE_OPEN_RE)) {
    const p = m[2]!;
    const mode = m[4] ?? '';
    if (!isPath(p)) continue;
    if (/[wax]/.test(mode)) ctx.write(p);
    if (!/[wax]/.test(mode) || mode.includes('+')) reads.push(p);
  }
  for (const m of text.matchAll(CODE_READ_RE)) if (isPath(m[2]!)) reads.push(m[2]!);
  for (const m of text.matchAll(CODE_WRITE_RE)) if (isPath(m[2]!)) ctx.write(m[2]!);
  for (const m of text.matchAll(PERL_OPEN_RE)) {
    let mode: string;
    let p: string;
    if (m[4] !== undefined) {
      mode = m[2]!.trim();
      p = m[4];
    } else {
      // the mode, then the path, blanks around them dropped (trimmed first: as one pattern of blanks, lazy text
      // and blanks to the end, a long run of blanks was tried every way, a power of its length)
      const t = m[2]!.trim();
      const lead = /^([+<>|]*)\s*/.exec(t)!;
      mode = lead[1]!;
      p = t.slice(lead[0].length);
    }
    if (mode.includes('|') || p.endsWith('|') || !isPath(p)) continue;
    if (mode.includes('>')) ctx.write(p);
    else reads.push(p);
  }
  for (const r of reads) ctx.read(r);
  for (const m of text.matchAll(URL_IN_TEXT_RE)) {
    ctx.url(m[0]);
    if (net) ctx.hostName(hostFromUrlish(m[0]));
  }
  let shellEgress = false;
  if (SHELL_OUT_RE.test(text)) shellEgress = shellLiterals(ctx, text, depth);
  if (net || shellEgress) ctx.upload(reads);
  return net || shellEgress;
}

/** Text that may be a command line: a letter, and two words. */
const commandLike = (c: string): boolean => /[A-Za-z]/.test(c) && /\S\s+\S/.test(c);

export function shellLiterals(ctx: Ctx, text: string, depth: number): boolean {
  if (depth + 1 > MAX_DEPTH) {
    ctx.tooDeep();
    return false;
  }
  // a literal is tried as a command line only when it looks like one (a word, a space, a word): single
  // words (keys, encodings, file names) are most literals of real code and are not counted against the bound
  const lits = (s: string, lines: boolean): string[] => {
    const out: string[] = [];
    for (const m of s.matchAll(CODE_LITERAL_RE)) {
      const v = m[1] ?? m[2] ?? m[3] ?? '';
      if (lines && !commandLike(v)) continue;
      out.push(v.replace(/\\(["'\\])/g, '$1').replace(/\\n/g, '\n'));
      if (out.length >= MAX_CODE_LITERALS) {
        hitLimit(ctx.acc, 'code_literals');
        break;
      }
    }
    return out;
  };
  const candidates: string[] = [];
  for (const m of text.matchAll(/\[([^[\]]{1,4000})\]/g)) {
    const l = lits(m[1]!, false);
    if (l.length >= 2) candidates.push(l.map(shq).join(' '));
    if (candidates.length >= MAX_CODE_ARG_LISTS) {
      hitLimit(ctx.acc, 'code_literals');
      break;
    }
  }
  candidates.push(...lits(text, true));
  let any = false;
  if (candidates.length > MAX_CODE_CANDIDATES) hitLimit(ctx.acc, 'code_literals');
  for (const c of candidates.slice(0, MAX_CODE_CANDIDATES)) {
    // a single word is not a command line worth analysing ('curl' in ['curl', '-d', ...])
    if (!commandLike(c)) continue;
    if (ctx.acc.budget.exhausted) break;
    const scratch = ctx.scratch(c, depth + 1);
    if (!scratch) continue;
    const a = ctx.acc;
    for (const l of scratch.limits) hitLimit(a, l.limit);
    if (scratch.egressCount > 0) {
      any = true;
      a.egressCount += scratch.egressCount;
      a.cmds.push(...scratch.cmds);
      a.hosts.push(...scratch.hosts);
      a.uploads.push(...scratch.uploads);
      a.segments.push(...scratch.segments);
      a.commands.push(...scratch.commands);
      // git indexes of pushes and remotes are into the scratch's git list: shift them onto ours
      const gitBase = a.git.length;
      a.git.push(...scratch.git);
      a.pushes.push(...scratch.pushes.map((p) => (p.git === undefined ? p : { ...p, git: p.git + gitBase })));
      a.remotes.push(...scratch.remotes.map((r) => (r.git === undefined ? r : { ...r, git: r.git + gitBase })));
      a.envDump ||= scratch.envDump;
      a.payload.push(...scratch.payload);
      a.sent.push(...scratch.sent);
      a.payloadOpaque ||= scratch.payloadOpaque;
    }
    a.urls.push(...scratch.urls);
    a.reads.push(...scratch.reads);
    a.writes.push(...scratch.writes);
  }
  return any;
}
