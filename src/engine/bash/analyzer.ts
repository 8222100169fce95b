/**
 * Walks the parsed command: lists, pipelines (what earlier stages read feeds later ones),
 * compound commands, redirections, substitutions and variables; each simple command goes through
 * its wrappers (sudo, env, xargs ...) to the handler of its program (commands/index.ts).
 */
import type { GroupNode, Node, Redir, SimpleNode, Sub, Tok, Word } from './ast.ts';
import { NET_CODE_RE } from './commands/code-patterns.ts';
import { runCommand } from './commands/wrappers.ts';
import { type Acc, type CmdResult, type Ctx, NO_STDIN, NONE, newAcc, type Stdin } from './context.ts';
import { hostFromUrlish, normHost, URL_IN_TEXT_RE } from './hosts.ts';
import { Lexer } from './lexer.ts';
import { expandBraces } from './braces.ts';
import { FALLBACK_SCAN_MAX, hitLimit, MAX_BRACE_TOTAL, MAX_BRACE_WORDS, MAX_DEPTH, MAX_LEXED, MAX_STEPS } from './limits.ts';
import { isAssignment, Parser } from './parser.ts';
import { CODE_ENV, ignoredPath, progName, unescapeC } from './util.ts';

/** Variables every shell has: referencing them carries no data of a sourced file. */
/** programs that run their arguments as shell code */
const RUNS_ARGS = new Set(['eval', 'source', '.', 'sh', 'bash', 'dash', 'zsh', 'ksh', 'mksh', 'busybox']);

/** programs that run the program named in their arguments */
const LAUNCHERS = new Set([
  'npx',
  'pnpx',
  'bunx',
  'pnpm',
  'yarn',
  'npm',
  'node',
  'env',
  'sudo',
  'doas',
  'nohup',
  'timeout',
  'setsid',
  'xargs',
  'exec',
  'command',
  'builtin',
  'nice',
  'busybox',
]);

const COMMON_VARS = new Set([
  'HOME',
  'PATH',
  'PWD',
  'OLDPWD',
  'USER',
  'LOGNAME',
  'SHELL',
  'TMPDIR',
  'TMP',
  'TEMP',
  'LANG',
  'LC_ALL',
  'TERM',
  'HOSTNAME',
  'UID',
  'EUID',
  'PPID',
  'RANDOM',
  'SECONDS',
  'LINENO',
  'IFS',
  'OSTYPE',
  'EDITOR',
  'REPLY',
  'BASH_SOURCE',
  'BASH_VERSION',
  'HOSTTYPE',
  'MACHTYPE',
  'SHLVL',
  'COLUMNS',
  'LINES',
]);

/** Conservative detection used when the command could not be parsed completely. */
const FALLBACK_RES: Array<[RegExp, string | null]> = [
  [
    /(?:^|[^\w.-])(curl|wget|nc|ncat|netcat|socat|ssh|scp|sftp|rsync|ftp|tftp|lftp|telnet|sendmail|mailx|mutt|xh|http|https|dig|nslookup|drill|ping|gsutil|azcopy|rclone|s3cmd)(?=$|[^\w.-])/g,
    null,
  ],
  // (at most 64 global options: any number, the options after every `git` of a long run of `git -x` were
  // followed to its end, quadratic: 3 s for 128 KB)
  [/\bgit\s+(?:-\S+\s+){0,64}push\b/g, 'git push'],
  [/\bgit\s+remote\s+add\b/g, 'git remote add'],
  [/\bgit\s+send-email\b/g, 'git send-email'],
  [/\/dev\/tcp\//g, '/dev/tcp'],
  [/\/dev\/udp\//g, '/dev/udp'],
  [/\b(?:npm|pnpm|yarn)\s+publish\b/g, 'npm publish'],
  [/\bdocker\s+push\b/g, 'docker push'],
  [/\baws\s+s3\s+(?:cp|sync|mv)\b/g, 'aws s3 cp'],
  [/\b(?:python[0-9.]*\s+-\w*c|node\s+(?:-e|-p|--eval|--print)|ruby\s+-e|perl\s+-\w*[eE]|php\s+-r)\b/g, 'interpreter'],
];

export class Analyzer implements Ctx {
  constructor(readonly acc: Acc) {}

  // ─── accumulation helpers ───

  egress(label: string): void {
    this.acc.egressCount++;
    this.acc.cmds.push(label);
  }

  resolve(p: string): string[] {
    const m = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?(\/.*)?$/.exec(p);
    if (m) {
      const v = this.acc.varValues.get(m[1]!);
      if (v?.length && (m[0].startsWith('${') ? p.includes('}') : true)) return v.map((x) => x + (m[2] ?? ''));
    }
    return [p];
  }

  read(p: string | undefined | null): void {
    if (p === undefined || p === null || ignoredPath(p)) return;
    for (const r of this.resolve(p)) if (!ignoredPath(r)) this.acc.reads.push(r);
  }

  write(p: string | undefined | null): void {
    if (p === undefined || p === null || ignoredPath(p)) return;
    for (const r of this.resolve(p)) if (!ignoredPath(r)) this.acc.writes.push(r);
  }

  upload(ps: string | readonly string[] | undefined | null): void {
    if (ps === undefined || ps === null) return;
    for (const p of typeof ps === 'string' ? [ps] : ps) {
      if (ignoredPath(p)) continue;
      for (const r of this.resolve(p)) {
        if (ignoredPath(r)) continue;
        this.acc.uploads.push(r);
        this.acc.reads.push(r);
      }
    }
  }

  hostName(h: string | null | undefined): void {
    if (h) this.acc.hosts.push(h);
  }

  hostOf(w: Word | null | undefined): void {
    if (w) this.hostName(hostFromUrlish(w.shape));
  }

  url(u: string): void {
    this.acc.urls.push(u);
  }

  scanUrls(text: string): void {
    if (!text.includes('://')) return;
    if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\/\S+$/.test(text)) {
      this.url(text);
      return;
    }
    for (const m of text.matchAll(URL_IN_TEXT_RE)) this.url(m[0]);
  }

  /** reads carried by referenced variables */
  taint(vars: readonly string[]): string[] {
    const out: string[] = [];
    let unknown = false;
    for (const v of vars) {
      const r = this.acc.varReads.get(v);
      if (r) out.push(...r);
      else if (!this.acc.varValues.has(v) && !COMMON_VARS.has(v)) unknown = true;
    }
    if (unknown) out.push(...this.acc.sourced);
    return out;
  }

  /** `GIT_SSH_COMMAND=…`, `PAGER=…` and the like: the value is code a later program runs, read as a command. */
  codeInEnv(w: Word, depth: number): void {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/s.exec(w.text);
    if (m && CODE_ENV.test(m[1]!)) this.nested(m[2]!, depth, NO_STDIN);
  }

  assign(w: Word, reads: readonly string[]): void {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(\[[^\]]*\])?(\+?)=/.exec(w.text);
    if (!m) return;
    const name = m[1]!;
    const value = w.text.slice(m[0].length);
    const before = m[3] || m[2] ? (this.acc.varText.get(name) ?? []) : [];
    this.acc.varText.set(name, [...before, value, ...this.varTexts(w.vars)]);
    const carried = [...reads, ...this.taint(w.vars)];
    const prev = m[3] ? (this.acc.varReads.get(name) ?? []) : [];
    if (carried.length || prev.length) this.acc.varReads.set(name, [...prev, ...carried]);
    else this.acc.varReads.delete(name);
    if (!w.dynamic && !m[2]) this.acc.varValues.set(name, [value]);
    else this.acc.varValues.delete(name);
  }

  /** What variables stand for, as far as this command line says (values as written, expansions kept). */
  private varTexts(vars: readonly string[]): string[] {
    const out: string[] = [];
    for (const v of vars) {
      const t = this.acc.varText.get(v) ?? this.acc.varValues.get(v);
      if (t) out.push(...t);
    }
    return out;
  }

  send(parts: ReadonlyArray<Word | string>): void {
    this.acc.payloadDeclared = true;
    // the sender's words as one item, in order and with their repeats (never de-duplicated: a
    // sequence of URLs that spells data one symbol per URL repeats URLs, `curl …/50.gif … /50.gif`);
    // the values of the variables they use go with the rest of the payload (counted once)
    const words: string[] = [];
    const vars: string[] = [];
    for (const p of parts) {
      if (typeof p === 'string') words.push(p);
      else {
        words.push(p.text);
        vars.push(...this.varTexts(p.vars));
      }
    }
    if (words.length > 0) this.acc.sent.push(words.join('\n'));
    this.acc.payload.push(...vars);
  }

  // ─── entry points ───

  exhausted(limit: 'commands' | 'lexed_size'): void {
    hitLimit(this.acc, limit);
    if (!this.acc.budget.exhausted) {
      this.acc.budget.exhausted = true;
      this.acc.errors.push('command too complex; analysis truncated');
    }
  }

  opaque(what: string): void {
    if (!this.acc.limits.some((l) => l.limit === 'opaque_program' && l.what === what)) this.acc.limits.push({ limit: 'opaque_program', bound: 0, what });
  }

  tooDeep(): void {
    this.acc.errors.push('nesting depth limit reached');
    hitLimit(this.acc, 'nesting_depth');
  }

  /** Analyse shell source; returns what it prints when that is statically known (`echo …`, `… | base64 -d`), else null. */
  analyzeSource(src: string, depth: number, stdin: Stdin): string | null {
    if (depth > MAX_DEPTH) {
      this.tooDeep();
      this.fallback(src);
      return null;
    }
    this.acc.budget.lexed += src.length;
    if (this.acc.budget.lexed > MAX_LEXED) {
      this.exhausted('lexed_size');
      this.fallback(src);
      return null;
    }
    const lx = new Lexer(src, 0, 0, false, this.acc);
    lx.run();
    return this.analyzeToks(lx.toks, depth, stdin);
  }

  private analyzeToks(toks: Tok[], depth: number, stdin: Stdin): string | null {
    const node = new Parser(toks, this.acc).program();
    return this.node(node, depth, stdin);
  }

  private runSub(sub: Sub, depth: number, stdin: Stdin): string | null {
    if (sub.toks) {
      if (depth > MAX_DEPTH) {
        this.tooDeep();
        this.fallback(sub.src);
        return null;
      }
      return this.analyzeToks(sub.toks, depth, stdin);
    }
    return this.analyzeSource(sub.src, depth, stdin);
  }

  /** analyse src as nested shell code; report whether it produced egress */
  nested(src: string, depth: number, stdin: Stdin): CmdResult {
    const before = this.acc.egressCount;
    this.analyzeSource(src, depth + 1, stdin);
    return { egress: this.acc.egressCount > before, stdin: false };
  }

  fallback(text: string): void {
    this.acc.payloadOpaque = true;
    const t = text.length > FALLBACK_SCAN_MAX ? text.slice(0, FALLBACK_SCAN_MAX) : text;
    for (const [re, label] of FALLBACK_RES) {
      re.lastIndex = 0;
      for (const m of t.matchAll(re)) {
        if (label === 'interpreter') {
          if (NET_CODE_RE.test(t)) this.egress((m[0].split(/\s/)[0] ?? 'interpreter') + ' -c');
          break;
        }
        this.egress(label ?? m[1] ?? m[0]);
      }
    }
  }

  // ─── tree walk ───

  private node(n: Node, depth: number, stdin: Stdin): string | null {
    switch (n.k) {
      case 'list': {
        let out: string | null = null;
        for (const it of n.items) out = this.node(it, depth, stdin);
        // one command or pipeline: what it prints (for `$(…)`); more than one: not told
        return n.items.length === 1 ? out : null;
      }
      case 'pipe': {
        let cur = stdin;
        for (const c of n.cmds) {
          const before = this.acc.reads.length;
          const ran = this.acc.commands.length;
          const foundBefore = this.acc.found.length;
          const out = this.node(c, depth, cur);
          const args = this.acc.commands.slice(ran).flatMap((x) => x.argv.slice(1));
          const found = [...(cur.found ?? []), ...this.acc.found.slice(foundBefore)];
          cur = { reads: cur.reads.concat(this.acc.reads.slice(before)), text: out, args: [...(cur.args ?? []), ...args], ...(found.length ? { found } : {}) };
        }
        return cur.text;
      }
      case 'group':
        this.group(n, depth, stdin);
        return null;
      case 'simple':
        return this.simple(n, depth, stdin);
    }
  }

  private subsOf(w: Word, depth: number, later: Sub[], printed?: Map<Sub, string>): string[] {
    const b = this.acc.reads.length;
    for (const sub of w.subs) {
      if (sub.kind === 'procout') later.push(sub);
      else {
        const out = this.runSub(sub, depth + 1, NO_STDIN);
        if (out !== null && sub.kind === 'cmd' && printed) printed.set(sub, out);
      }
    }
    return this.acc.reads.slice(b);
  }

  /**
   * The command line with each `$(…)` / `` `…` `` whose output is statically known put in its place
   * (`eval $(echo Y3VybCAuLi4= | base64 -d)`, `$(printf '\x70kill') -f x`), when that makes a
   * different command: the program itself comes from a substitution, or it runs its arguments as
   * shell code (eval, source, a shell). Null when nothing is known or nothing changes.
   */
  private substituted(argv: Word[], printed: Map<Sub, string>): string | null {
    const known = (v: string): string | undefined => {
      const vals = this.acc.varValues.get(v);
      return vals?.length === 1 ? vals[0] : undefined;
    };
    const runsArgs = RUNS_ARGS.has(progName(argv[0]!.text));
    const head = argv[0]!;
    // the program, or what a launcher runs (npx $M, sudo $X …), named by a known value
    const named = (LAUNCHERS.has(progName(head.text)) ? argv : [head]).some((w) => w.vars.some((v) => known(v) !== undefined));
    if (!runsArgs && !head.subs.some((s) => printed.has(s)) && !named) return null;
    let changed = false;
    const parts = argv.map((w) => {
      let t = w.text;
      // $X / ${X} whose value this command line set (X=mcpproxy-hook; $X uninstall)
      for (const v of w.vars) {
        const val = known(v);
        if (val === undefined) continue;
        const re = new RegExp(`\\$\\{${v}\\}|\\$${v}(?![A-Za-z0-9_])`, 'g');
        const next = t.replace(re, () => val);
        if (next !== t) {
          t = next;
          changed = true;
        }
      }
      for (const sub of w.subs) {
        const out = printed.get(sub);
        if (out === undefined) continue;
        const value = out.replace(/\n+$/, '');
        for (const form of [`$(${sub.src})`, `\`${sub.src}\``]) {
          const at = t.indexOf(form);
          if (at >= 0) {
            t = t.slice(0, at) + value + t.slice(at + form.length);
            changed = true;
            break;
          }
        }
      }
      // a quoted word stays one word; an unquoted one is split by the shell, as the re-read splits it
      return w.quoted && t !== w.text ? `'${t.replace(/'/g, `'\\''`)}'` : t;
    });
    return changed ? parts.join(' ') : null;
  }

  private processRedirs(
    redirs: readonly Redir[],
    depth: number,
    persist: boolean,
    later: Sub[],
  ): { inReads: string[] | null; text: string | null; netOut: boolean; outs: Array<{ path: string; append: boolean; fd: string | null }>; textKnown: boolean } {
    const acc = this.acc;
    // pushed to, never concatenated: a command of 64,000 `<a` redirections copied the list each time (quadratic)
    let inReads: string[] | null = null;
    const readIn = (paths: readonly string[]): void => {
      if (inReads === null) inReads = [];
      for (const x of paths) inReads.push(x);
    };
    let text: string | null = null;
    let netOut = false;
    let textKnown = false;
    const outs: Array<{ path: string; append: boolean; fd: string | null }> = [];
    for (const r of redirs) {
      if (r.hd) {
        const b = acc.reads.length;
        for (const sub of r.hd.subs) this.runSub(sub, depth + 1, NO_STDIN);
        readIn(acc.reads.slice(b));
        readIn(this.taint(r.hd.vars));
        text = r.hd.body;
        textKnown = r.hd.vars.length === 0 && r.hd.subs.length === 0;
        acc.hereTexts.push(text);
        continue;
      }
      const t = r.target;
      if (!t) continue;
      const tr = this.subsOf(t, depth, later);
      if (r.op === '<<<') {
        readIn(tr);
        readIn(this.taint(t.vars));
        text = t.text + '\n';
        textKnown = t.vars.length === 0 && t.subs.length === 0 && !t.dynamic;
        acc.hereTexts.push(text);
        continue;
      }
      const net = /^\/dev\/(tcp|udp)\/([^/]*)\//.exec(t.shape);
      if (net) {
        this.egress('/dev/' + net[1]);
        this.hostName(normHost(net[2]!));
        const out = r.op !== '<' && r.op !== '<&';
        if (persist) {
          const fd = r.fd ?? (r.op === '<' || r.op === '<>' ? '0' : '1');
          acc.netFds.add(fd);
          if (out && (fd === '1' || fd === '2' || r.op === '&>' || r.op === '&>>')) acc.stdoutNet = true;
        } else if (out) netOut = true;
        continue;
      }
      const p = t.text;
      switch (r.op) {
        case '<':
          this.read(p);
          readIn(this.resolve(p));
          break;
        case '<>':
          this.read(p);
          this.write(p);
          readIn(this.resolve(p));
          break;
        case '<&':
          break;
        case '>&':
          if (/^(\d+-?|-)$/.test(p)) {
            if (acc.netFds.has(p.replace('-', ''))) netOut = true;
          } else if (this.coprocInput(p)) netOut = true;
          else this.write(p);
          break;
        default:
          if (this.coprocInput(p)) netOut = true;
          else {
            this.write(p);
            if (!ignoredPath(p)) outs.push({ path: p, append: r.op === '>>' || r.op === '&>>', fd: t.vars.length || t.subs.length || t.dynamic ? '?' : r.fd });
          }
      }
    }
    return { inReads, text, netOut, outs, textKnown };
  }

  /** `${NAME[1]}` or `/dev/fd/${NAME[1]}`: the stdin of coprocess NAME, when that coprocess sends */
  private coprocInput(target: string): boolean {
    const m = /^(?:\/dev\/fd\/)?\$\{([A-Za-z_]\w*)\[1\]\}$/.exec(target);
    return m !== null && this.acc.coprocNet.has(m[1]!);
  }

  private group(n: GroupNode, depth: number, stdin: Stdin): void {
    const acc = this.acc;
    const start = acc.reads.length;
    const later: Sub[] = [];
    const wordReads: string[] = [];
    for (const w of n.extra) wordReads.push(...this.subsOf(w, depth, later));
    if (n.forVar) {
      const vals = this.expand(n.extra)
        .filter((w) => !w.dynamic)
        .map((w) => w.text);
      if (vals.length) acc.varValues.set(n.forVar, vals);
      else acc.varValues.delete(n.forVar);
      const carried = [...wordReads, ...this.taint(n.extra.flatMap((w) => w.vars))];
      if (carried.length) acc.varReads.set(n.forVar, carried);
    }
    const red = this.processRedirs(n.redirs, depth, false, later);
    const eff: Stdin = red.inReads !== null ? { reads: red.inReads, text: red.text } : stdin;
    const egressBefore = acc.egressCount;
    for (const b of n.body) this.node(b, depth, eff);
    // what is written to a coprocess that sends (`coproc nc h p; cat f >&${COPROC[1]}`) is sent
    if (n.coproc && acc.egressCount > egressBefore) acc.coprocNet.add(n.coproc);
    if (red.netOut) {
      this.upload(acc.reads.slice(start));
      this.upload(eff.reads);
      acc.payloadOpaque = true;
    }
    if (later.length) {
      const mine: Stdin = { reads: eff.reads.concat(acc.reads.slice(start)), text: null };
      for (const s of later) this.runSub(s, depth + 1, mine);
    }
  }

  private simple(n: SimpleNode, depth: number, stdin: Stdin): string | null {
    const acc = this.acc;
    if (++acc.budget.steps > MAX_STEPS) {
      this.exhausted('commands');
      return null;
    }
    const start = acc.reads.length;
    let k = 0;
    while (k < n.words.length && isAssignment(n.words[k]!)) k++;
    const assigns = n.words.slice(0, k);
    const argv = this.expand(n.words.slice(k));
    const words = k ? [...assigns, ...argv] : argv;
    if (argv.length) acc.segments.push(argv.map((w) => w.text));
    for (const w of words) this.scanUrls(w.text);

    const later: Sub[] = [];
    const wordReads = new Map<Word, string[]>();
    const printed = new Map<Sub, string>();
    for (const w of [...words, ...n.extra]) {
      const r = this.subsOf(w, depth, later, printed);
      if (r.length) wordReads.set(w, r);
    }
    // a command made by substitutions whose output is known here is also read as the command it becomes
    const made = argv.length && (printed.size > 0 || argv.some((w) => w.vars.length > 0)) ? this.substituted(argv, printed) : null;
    if (made !== null) this.nested(made, depth, stdin);
    for (const a of assigns) this.codeInEnv(a, depth);
    const persist = argv.length === 0 || (argv.length === 1 && argv[0]!.text === 'exec');
    const red = this.processRedirs(n.redirs, depth, persist, later);
    const eff: Stdin = red.inReads !== null ? { reads: red.inReads, text: red.text } : stdin;

    let res = NONE;
    const foundBefore = acc.found.length;
    if (argv.length) res = this.command(argv, depth, eff, wordReads);
    if (argv.length && !persist) this.fileTexts(argv, words, red, eff);
    else for (const a of assigns) this.assign(a, wordReads.get(a) ?? []);
    // `find … > f`: f lists what find found (the patterns, until the session sees the real list)
    if (acc.found.length > foundBefore) {
      for (const r of n.redirs) {
        const out = (r.op === '>' || r.op === '>>' || r.op === '>|') && (r.fd === null || r.fd === '1');
        if (out && r.target && !r.target.text.startsWith('/dev/')) acc.listsWritten.push([r.target.text, acc.found.slice(foundBefore)]);
      }
    }

    const argData = [...[...wordReads.values()].flat(), ...this.taint([...words, ...n.extra].flatMap((w) => w.vars))];
    if (res.egress) {
      this.upload(argData);
      if (res.stdin) this.upload(eff.reads);
      // VAR=value in front of a sender is in its environment; what it reads from stdin is sent
      this.sentAlongside(assigns, res.stdin ? eff : NO_STDIN);
    }
    if (red.netOut || (acc.stdoutNet && argv.length && !persist)) {
      if (!red.netOut) this.egress('/dev/tcp');
      this.upload(acc.reads.slice(start));
      this.upload(eff.reads);
      this.upload(argData);
      // what the command prints goes to the socket: made of its words and its stdin
      this.send(words);
      this.sentAlongside([], eff);
    }
    if (later.length) {
      const mine: Stdin = { reads: eff.reads.concat(acc.reads.slice(start)), text: null };
      for (const s of later) this.runSub(s, depth + 1, mine);
    }
    return argv.length ? this.stdoutText(argv, eff) : null;
  }

  /**
   * What a command writes into the files it redirects to (or tee writes), when that is known from the
   * command itself: echo / printf of plain words, cat or tee of a heredoc with nothing expanded in it.
   */
  private fileTexts(
    argv: Word[],
    words: Word[],
    red: { outs: Array<{ path: string; append: boolean; fd: string | null }>; textKnown: boolean },
    eff: Stdin,
  ): void {
    const name = progName(argv[0]!.text);
    if (red.outs.length === 0 && name !== 'tee') return;
    const plain = words.every((w) => w.vars.length === 0 && w.subs.length === 0 && !w.dynamic);
    const stdinKnown = red.textKnown && eff.text !== null;
    let out: string | null = null;
    if (plain && name === 'echo' && !argv.some((w) => w.text.includes('\\'))) out = this.stdoutText(argv, eff);
    else if (plain && name === 'printf' && !argv.slice(1).some((w) => /[%\\]/.test(w.text))) out = this.stdoutText(argv, eff);
    // one format and nothing to put in it: its escapes (\n, \t, \xHH …) are the text
    else if (plain && name === 'printf' && argv.length === 2 && !argv[1]!.text.startsWith('-') && !/%|\\c/.test(argv[1]!.text)) out = unescapeC(argv[1]!.text);
    else if (plain && name === 'cat' && argv.length === 1 && stdinKnown) out = eff.text;
    for (const o of red.outs) {
      const targets = this.resolve(o.path);
      this.acc.fileTexts.push({ path: o.path, append: o.append, text: (o.fd === null || o.fd === '1') && targets.length === 1 ? out : null });
    }
    if (name === 'tee') {
      const args = argv.slice(1);
      const append = args.some((w) => /^-[a-zA-Z]*a/.test(w.text) || w.text === '--append');
      for (const w of args)
        if (!w.text.startsWith('-') && !ignoredPath(w.text)) this.acc.fileTexts.push({ path: w.text, append, text: plain && stdinKnown ? eff.text : null });
    }
  }

  /** Payload beside a sender's own: its prefix assignments, and the stdin it reads (text, or the words of the commands writing it). */
  private sentAlongside(assigns: readonly Word[], stdin: Stdin): void {
    const declared = this.acc.payloadDeclared;
    this.send(assigns);
    if (stdin.text !== null) this.acc.payload.push(stdin.text);
    if (stdin.args) this.acc.payload.push(...stdin.args);
    this.acc.payloadDeclared = declared;
  }

  /** Brace expansion of a command's words (`{curl,-d,@f,URL}` is curl with three arguments). */
  private expand(ws: Word[]): Word[] {
    if (!ws.some((w) => w.braces)) return ws;
    const out: Word[] = [];
    const budget = this.acc.budget;
    for (const w of ws) {
      const e = expandBraces(w, Math.min(MAX_BRACE_WORDS - out.length, MAX_BRACE_TOTAL - budget.braceWords));
      if (e === null) {
        hitLimit(this.acc, 'brace_words');
        out.push(w);
      } else {
        if (e.length > 1) budget.braceWords += e.length;
        out.push(...e);
      }
    }
    return out;
  }

  /** What a command writes to stdout, when it is statically known (for `echo ... | sh`). */
  private stdoutText(argv: Word[], eff: Stdin): string | null {
    const name = progName(argv[0]!.text);
    if (name === 'echo') {
      let i = 1;
      while (i < argv.length && /^-[neE]+$/.test(argv[i]!.text)) i++;
      return (
        unescapeC(
          argv
            .slice(i)
            .map((w) => w.text)
            .join(' '),
        ) + '\n'
      );
    }
    if (name === 'printf') {
      const a = argv.slice(1);
      if (a[0]?.text === '-v') return null;
      return unescapeC(a.map((w) => w.text).join(' '));
    }
    if (name === 'cat' && argv.length === 1) return eff.text;
    if (name === 'base64' && eff.text !== null && argv.slice(1).some((w) => /^(-[a-zA-Z]*[dD][a-zA-Z]*|--decode)$/.test(w.text))) {
      const clean = eff.text.replace(/\s+/g, '');
      if (!/^[A-Za-z0-9+/=_-]*$/.test(clean)) return null;
      try {
        return Buffer.from(clean, 'base64').toString('utf8');
      } catch {
        return null;
      }
    }
    return null;
  }

  command(argv: Word[], depth: number, stdin: Stdin, wordReads: Map<Word, string[]>): CmdResult {
    return runCommand(this, argv, depth, stdin, wordReads);
  }

  scratch(src: string, depth: number): Acc | null {
    const scratch = newAcc(this.acc.budget);
    try {
      new Analyzer(scratch).analyzeSource(src, depth, NO_STDIN);
    } catch {
      // a guessed command line that breaks the analysis is not a command line: nothing to merge
      return null;
    }
    return scratch;
  }
}
