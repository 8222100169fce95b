/**
 * The flow engine: one hook event in, one decision out. Ties together classifier, fingerprints,
 * detector, bash analysis and policy. Pure: no I/O; time and config are passed in.
 *
 * What it records (PostToolUse, PostToolUseFailure): fingerprints of what internal tools returned
 * (origins); that the session took in untrusted content; which files hold internal data (taints).
 * What it checks (PreToolUse), for a call that sends data off the machine:
 *  1. content of this session's origins in the input, raw and in every decoded view;
 *  2. secrets by pattern that no origin explains;
 *  3. files the command reads and sends: sensitive by path, tainted, or any local file; the
 *     environment; a push to a git remote added in this session;
 *  4. what adds up over several calls: a secret sent in pieces, an output sent a chunk at a time;
 *  5. the lethal trifecta: untrusted content + sensitive data + any egress.
 * PreToolUse of Write / Edit and of Bash commands that write files taints the files written.
 */
import type { Classification, HookEvent } from '../types.ts';
import { ACTION_RANK, RISK_RANK } from '../types.ts';
import type { Config } from '../config/index.ts';
import { canonicalToolName, classifyTool, configuredClass, own, parseMcpName, type ToolAnnotations, type ToolClass } from './classifier.ts';
import {
  Hasher,
  K,
  contentLeaves,
  stringLeaves,
  addMode,
  prepareTextSteps,
  structuredValues,
  structuredValueSteps,
  hasValueShape,
  type PreparedText,
  type FragmentHit,
  type OriginMatch,
  type RowsRead,
  type TokenSpec,
} from './fingerprint/index.ts';
import { hashRowSteps, MAX_CELLS, ROW_MATCH_CHARS, type HashedRow } from './fingerprint/rows.ts';
import { FRAGMENT_MIN_ENTROPY } from './fingerprint/constants.ts';
import { FlowTracker, MAX_CHUNK_KEYS, MAX_CHUNK_SEEN, MAX_LISTED_PATHS, MAX_SECRETS_SENT, type Session, type Taint } from './flow-tracker.ts';
import { scanIsRemembered, scanRemembered, scanText, sensitivePath, shannonEntropy } from './detector.ts';
import { analyzeBash, type BashAnalysis } from './bash/index.ts';
import { DEFAULT_DECODERS, views, type View, type ViewLimits } from './decoders.ts';
import { allHosts, hostOfUrl, isLoopback, matchDomainList, registrableDomain } from './urls.ts';
import { redact } from './redact.ts';
import { editedText, fileCopies, withScripts } from './scripts.ts';
import { MAX_INPUT, type LimitFact } from './bash/limits.ts';
import {
  bashTamper,
  definitionHooks,
  fileTamper,
  gitHookFile,
  hookScriptFile,
  judgedByEffect,
  mcpJsonFile,
  shellStartupFile,
  type GuardFacts,
} from './tamper.ts';
import type { SettingsFileFacts } from './settings-effect.ts';
import { baseName, isPseudoFile, resolvePath } from './paths.ts';
import { DATA_RULES, SENSITIVE_RULES, type Decision, type DestKind, type Finding } from './findings.ts';
import { also, article, because, provenanceNote, reasonText, summarize, truncate, unaskedNote } from './reasons.ts';
import { coverageAction, provenancePolicy } from './policy.ts';
import { MIN_COVERAGE, strongestSource, writtenContent } from './taint.ts';
import { shownOutput } from './shown.ts';
import {
  AUTHENTICATED,
  escapeRe,
  ghCommands,
  ghReadsThread,
  ghRepo,
  githubRepoOfUrl,
  mcpHosts,
  PLAIN_FETCHERS,
  PROJECT_CONFIG,
  PROJECT_SOURCE,
  urlsRepos,
} from './destinations.ts';
import {
  addressesOf,
  isChosen,
  isPrivateHost,
  outputDestinationSteps,
  provenanceOf,
  siteOperands,
  verdictRank,
  type Destination,
  type DestinationVerdict,
  type NamedDestinations,
  type OwnFacts,
  type ProvenanceContext,
} from './provenance.ts';
import { gitConfigChanges, gitConfigRepo, normDir, noteRemotes, pushTarget, repoPushes, repoRemotes } from './git/index.ts';
import { ciSecretHosts, fileSecrets, isCiFile, type PushFacts } from './git/publish.ts';
import { MAX_SQL, sqlCredentialCopies, sqlPastBound } from './sql.ts';
import { callParts, LET_GO_CHARS, MAX_LET_GO_SLOTS, MAX_PARTS as MAX_SPREAD_PARTS, MAX_TOTAL_PARTS, streamTexts } from './spread.ts';
import { claudeLaunches } from './nested-claude.ts';

/** Set on a UserPromptSubmit by the sidecar when its caller could not be verified as Claude Code's own hook call (the reason why): it raises no trust. */
export const UNVERIFIED_CALLER = 'mcpproxy_unverified_caller';

export { MIN_COVERAGE } from './taint.ts';
/** A secret sent in pieces: this share of it, over at least 2 calls of at least SPLIT_MIN_PIECE chars each. */
export const SPLIT_MIN_FRACTION = 0.6;
export const SPLIT_MIN_PIECE = 6;
/** How many values a text could carry: its words, URL parameters and fields, without a URL's scheme and host. */
export function joinedValues(text: string): number {
  let n = 0;
  // a scheme starts a run and is at most 32 chars: an unbounded one was tried from every position of a long
  // run of letters, to its end (quadratic: a 1 MB run hung the sidecar, found by test/property/hook-fuzz)
  // the values are the runs between separators, counted up to 3 (not split into an array of every word)
  const rest = text.replace(/(?<![a-z0-9+.-])[a-z][a-z0-9+.-]{0,31}:\/\/[^/\s?#]+/gi, ' ');
  const value = /[^\s&=?/,;|+:#_]+/g;
  while (value.exec(rest) !== null) if (++n >= 3) return n;
  return n;
}

/**
 * Three words or more. As `\S+\s+\S+\s+\S+` the first run was tried from every position of a long run with no
 * space, to its end (quadratic: a 256 KB word held the sidecar a minute, found by test/property/hook-fuzz);
 * starting at a word's last letter the same match costs each word once.
 */
export const threeWords = (text: string): boolean => /\S\s+\S+\s+\S/.test(text);

/** a value of a personal field's shape: a phone number, or a run of eight or more letters and digits with a digit (an account, an id) */
// (the look for its digit goes at most 64 chars ahead: unbounded, it went to the end of a long run of
// letters and dashes from every position after a dash, quadratic)
const VALUE_RE = /\+?\d[\d ()-]{6,18}\d|(?<![A-Za-z0-9])(?=[A-Za-z-]{0,64}[0-9])[A-Za-z0-9-]{8,}/;

/** a run of letters and digits, with a digit, as long as SPLIT_MIN_PIECE: what a piece of a secret or card looks like */
const PIECE_RE = /(?<![A-Za-z0-9])(?=[A-Za-z]*[0-9])[A-Za-z0-9]{6,}/;
/** An output sent a chunk at a time: this many chars of one origin to one destination, over at least 2 calls. */
export const CHUNK_MIN_TOTAL = 64;

export type { Decision, Finding, RuleId } from './findings.ts';

/** A failed call's error text, which the destination book reads with its output (PostToolUseFailure). */
const errorTexts = (ev: HookEvent): string[] => (ev.hook_event_name === 'PostToolUseFailure' && typeof ev.error === 'string' ? [ev.error] : []);

/** What outputSteps prepared of an output for its recording (post). */
interface PreparedOutput {
  /** the destinations it names; undefined until its steps have scanned for them */
  named: NamedDestinations | undefined;
  structured: TokenSpec[];
  read: RowsRead;
  hashed: HashedRow[];
  prepared: PreparedText[];
}

export interface EngineOptions {
  seed: number;
  /** user home, for ~ paths */
  home?: string;
  /** shown in reasons so users know where to change policy */
  configPath?: string;
  /** clock for labels (local time of day) */
  timeOfDay?: (ms: number) => string;
  /**
   * Keep what each origin did to the fingerprint index so a session store can save it (when
   * session.persist is on too). Only for an owner that drains it (the sidecar's SessionStore).
   */
  persist?: boolean;
  /** where the guard itself lives, so that calls switching it off are caught (tamper.ts) */
  guard?: GuardFacts;
  /** MCP tool annotations by canonical tool name (`mcp__server__tool`), as the MCP proxy saw them in tools/list */
  toolAnnotations?: (tool: string) => ToolAnnotations | undefined;
  /** a Claude Code settings file as it is now (absolute path), read by the sidecar when a Write / Edit of it is judged by its effect */
  settingsFile?: (path: string) => SettingsFileFacts;
  /** the user's own hosts (~/.ssh/config, known_hosts), read by the sidecar; called per decision */
  ownFacts?: () => OwnFacts | undefined;
}

/** Sources of private data beyond the project's files: MCP servers (databases, chat, mail, drives) and database clients run in Bash. */
const PRIVATE_SOURCES =
  /^mcp__|^Bash\((?:[^)]*?(?:&&|;|\|)\s*)?(?:sudo\s+)?(?:psql|mysql|mariadb|sqlite3|mongo|mongosh|mongoexport|redis-cli|clickhouse(?:-client)?|cqlsh|bq|snowsql|sqlcmd|pg_dump|mysqldump)\b/;

/**
 * A taint that is ordinary work when it goes back into the project: data from the project's own
 * files, builds, logs and git (editing a file after reading it taints it). Secrets, and data from a
 * private service (a database, a chat or mail server), are not.
 */
function projectOnly(t: Taint): boolean {
  return t.sensitive.length === 0 && !PRIVATE_SOURCES.test(t.source);
}

/** Taint label of a CI workflow written this session that sends secrets out (followed by the hosts). */
const CI_SECRETS_LABEL = "CI workflow that sends the repository's secrets to";

const hhmmss = (ms: number): string => new Date(ms).toTimeString().slice(0, 8);

/** Built-in tools that write a file from their input (taint the file at PreToolUse). */
const FILE_WRITERS = new Set(['Write', 'Edit', 'MultiEdit', 'NotebookEdit']);
/** Built-in tools whose output is the content of the file they name. */
const FILE_READERS = new Set(['Read', 'NotebookRead']);

interface MergedMatch {
  m: OriginMatch;
  via: string[];
}

/** State changes a check makes only if the call goes ahead (not when it is denied). */
type Commit = () => void;

/** What a command that runs scripts the session wrote carries apart from them: its own text, and the scripts' files. */
interface Carried {
  /** the command as written, with the texts it writes itself and runs */
  text: string;
  /** the files whose text (written earlier in the session) was inlined */
  scripts: string[];
}

export class FlowEngine {
  readonly tracker: FlowTracker;
  private cfg: Config;
  private readonly timeOfDay: (ms: number) => string;
  /** where the guard lives, with the home dir for ~ (tamper checks) */
  private readonly guard: GuardFacts;

  constructor(
    cfg: Config,
    private readonly opts: EngineOptions,
  ) {
    this.cfg = cfg;
    this.timeOfDay = opts.timeOfDay ?? hhmmss;
    this.guard = { ...opts.guard, ...(opts.home ? { home: opts.home } : {}) };
    this.tracker = new FlowTracker({
      hasher: new Hasher(opts.seed),
      maxFingerprints: cfg.session.maxFingerprints,
      maxSessions: cfg.session.maxSessions,
      idleMs: cfg.session.idleMinutes * 60_000,
      record: opts.persist === true && cfg.session.persist,
    });
  }

  get config(): Config {
    return this.cfg;
  }

  setConfig(cfg: Config): void {
    this.cfg = cfg;
    this.tracker.configure({
      maxFingerprints: cfg.session.maxFingerprints,
      maxSessions: cfg.session.maxSessions,
      idleMs: cfg.session.idleMinutes * 60_000,
      record: this.opts.persist === true && cfg.session.persist,
    });
  }

  private classify(name: string, ev: HookEvent): ToolClass {
    const input = typeof ev.tool_input === 'object' && ev.tool_input !== null ? (ev.tool_input as Record<string, unknown>) : undefined;
    const annotations = parseMcpName(name) ? this.opts.toolAnnotations?.(canonicalToolName(name)) : undefined;
    const mcpServer = typeof ev.mcp_server === 'object' && ev.mcp_server !== null ? (ev.mcp_server as { name?: unknown; source?: unknown }) : undefined;
    const ctx = { ...(input ? { input } : {}), ...(mcpServer ? { mcpServer } : {}), ...(annotations ? { annotations } : {}) };
    const tc = classifyTool(name, this.cfg.classification, ctx);
    if (tc.server && tc.method !== 'config') {
      const c = own(this.cfg.mcp.servers, tc.server)?.classification;
      if (c) return configuredClass(c, tc.tool, `mcp.servers.${tc.server}.classification: ${c}`, tc.server, ctx);
    }
    return tc;
  }

  /**
   * Decide one event. `settle` has the last word on an interrupted PreToolUse decision before the session's
   * state follows it: it may turn it into an allow (a flow exception the user made), and the call is then
   * an allowed call for the state too (what it sends counts, the destinations it uses are learnt).
   */
  handle(ev: HookEvent, now: number, settle?: (d: Decision) => void): Decision {
    const tool = typeof ev.tool_name === 'string' ? ev.tool_name : '';
    switch (ev.hook_event_name) {
      case 'PreToolUse':
        return this.pre(ev, tool, now, settle);
      case 'PostToolUse':
        return this.post(ev, tool, now, false);
      case 'PostToolUseFailure':
        // a failing tool's output comes as `error` instead of `tool_response`: it is data all the same
        return this.post(ev, tool, now, true);
      case 'UserPromptSubmit':
        return this.prompt(ev, now);
      default:
        return this.base(ev, tool, 'unknown', `event ${ev.hook_event_name} is not checked`);
    }
  }

  private base(ev: HookEvent, tool: string, cls: Classification, summary: string): Decision {
    return {
      event: ev.hook_event_name,
      sessionId: ev.session_id,
      tool,
      action: 'allow',
      risk: 'none',
      flowType: null,
      classification: cls,
      reason: '',
      summary,
      findings: [],
      destinationHosts: [],
    };
  }

  private cwdOf(ev: HookEvent): string | undefined {
    return typeof ev.cwd === 'string' ? ev.cwd : undefined;
  }

  private abs(p: string, ev: HookEvent): string | null {
    return resolvePath(p, typeof ev.cwd === 'string' ? ev.cwd : undefined, this.opts.home);
  }

  // ---------------------------------------------------------------- UserPromptSubmit: the user's intent
  /**
   * The user's own prompt: destinations it names are the user's choice (provenance `user`). Not a prompt
   * whose caller the sidecar could not verify as Claude Code's hook call (`UNVERIFIED_CALLER`, set by
   * src/transport/hook-callers.ts): that one raises no trust.
   */
  private prompt(ev: HookEvent, now: number): Decision {
    const s = this.tracker.touch(ev.session_id, now);
    const d = this.base(ev, '', 'internal', 'user prompt: no prompt text');
    if (typeof ev.prompt === 'string' && ev.prompt.length > 0) {
      // a session another session's agent started (`claude -p "…"` from Bash): its prompt is that agent's
      // words, so the destinations it names are nobody's choice, and what it says may come from anywhere
      const parent = s.nestedFrom ?? (s.events <= 1 ? this.tracker.nested.match(ev.session_id, ev.prompt, now) : undefined);
      if (parent !== undefined) {
        s.nestedFrom = parent;
        s.sawUntrusted(`a prompt written by the agent of session ${parent.slice(0, 40)} (Claude Code run from its Bash call)`, now);
        d.summary = "prompt written by another session's agent (a Claude Code it ran): destinations it names are not the user's choice";
        return d;
      }
      const unverified = (ev as Record<string, unknown>)[UNVERIFIED_CALLER];
      if (typeof unverified === 'string') {
        d.summary = `prompt not verified as Claude Code's own hook call (${unverified}): destinations it names are not the user's choice`;
        return d;
      }
      s.book.notePrompt(ev.prompt);
      s.dirty = true;
      d.summary = "user prompt noted (destinations it names are the user's choice)";
    }
    return d;
  }

  /** What decides provenance for this session: its book, trusted hosts, own hosts, the project. */
  private provenanceContext(s: Session, ev: HookEvent): ProvenanceContext {
    const cwd = typeof ev.cwd === 'string' ? baseName(ev.cwd).toLowerCase() : '';
    const own = this.opts.ownFacts?.();
    return {
      book: s.book,
      trustedHosts: this.cfg.policy.trustedHosts,
      ...(own ? { own } : {}),
      projectRepo: (repo: string) => {
        const name = repo.split('/').pop() ?? '';
        return name !== '' && name === cwd;
      },
      time: this.timeOfDay,
    };
  }

  /**
   * Is a path one of the project's own configuration files, where the user keeps the project's
   * places (CLAUDE.md, package.json, deploy config, .env, .git/config)? A README or a doc is not:
   * anyone who sends a pull request writes those, and injections hide there.
   */
  private projectConfig(p: string, ev: HookEvent): boolean {
    if (!this.inProject(p, ev)) return false;
    const a = (this.abs(p, ev) ?? p).replace(/\\/g, '/');
    return (
      PROJECT_CONFIG.test(baseName(a)) || PROJECT_SOURCE.test(baseName(a)) || /\/\.git\/config$|\/\.github\/workflows\/[^/]+\.ya?ml$|\/\.claude\/[^/]+$/.test(a)
    );
  }

  /** Is a path inside the project (the working directory), and not a dependency someone else wrote? */
  private inProject(p: string, ev: HookEvent): boolean {
    const cwd = typeof ev.cwd === 'string' ? ev.cwd : undefined;
    const a = this.abs(p, ev);
    if (!cwd || !a) return false;
    const root = this.abs(cwd, ev) ?? cwd;
    const dir = root.endsWith('/') ? root : root + '/';
    return (a === root || a.startsWith(dir)) && !/\/(node_modules|vendor|\.venv|venv|site-packages|target|dist|build)\//.test(a.slice(dir.length - 1));
  }

  /**
   * Where a tool output comes from, for the destinations it names: from outside the trust boundary
   * (web, mail, chat, tickets, any MCP service, a fetch from a host nobody chose, a file outside
   * the project), from the project (its files, local git output), or neither (local command output).
   */
  private outputSource(
    s: Session,
    ev: HookEvent,
    tool: string,
    tc: ToolClass,
    input: Record<string, unknown>,
    bash: BashAnalysis | undefined,
  ): { outside: boolean; project: boolean } {
    if (tc.source === 'external') return { outside: true, project: false };
    const path =
      typeof input.file_path === 'string'
        ? input.file_path
        : typeof input.path === 'string'
          ? input.path
          : typeof input.notebook_path === 'string'
            ? input.notebook_path
            : undefined;
    if (tool.startsWith('mcp__')) {
      // a filesystem-like server reading a file of the project is the project; anything else a service returns may be written by anyone
      if (path && this.inProject(path, ev)) return { outside: false, project: this.projectConfig(path, ev) };
      return { outside: true, project: false };
    }
    if (bash) {
      // issue and PR threads, search results, gists read through gh: anyone writes them, whoever's repository they are in
      if (ghCommands(bash).some(ghReadsThread)) return { outside: true, project: false };
      if (bash.egress) {
        const ctx = this.provenanceContext(s, ev);
        const ghOwn =
          bash.egressCommands.every((c) => c.startsWith('gh ')) &&
          ghCommands(bash).every(
            (seg) =>
              !/^(issue|pr|api|search|gist)$/.test(seg[1] ?? '') || (seg[1] === 'pr' && !/^(view|diff)$/.test(seg[2] ?? '') && !seg.includes('--comments')),
          );
        const repos = urlsRepos(bash.urls);
        const foreign =
          !ghOwn &&
          (bash.hosts.some((h) => !repos.hosts.has(h) && !isChosen(provenanceOf({ kind: 'host', value: h }, ctx).provenance)) ||
            repos.repos.some((r) => !isChosen(provenanceOf({ kind: 'repo', value: r }, ctx).provenance)));
        if (foreign) return { outside: true, project: false };
      }
      // local git output (remotes, config, log), gh about the project's own repository (its runs,
      // settings, deployments; not issue and PR threads, which anyone can write), project files
      const git =
        ghCommands(bash).some(
          (seg) => ['run', 'secret', 'variable', 'workflow', 'release', 'auth'].includes(seg[1] ?? '') || (seg[1] === 'repo' && seg[2] === 'view'),
        ) || bash.git.some((g) => ['remote', 'config', 'log', 'show', 'status', 'branch'].includes(g.subcommand ?? ''));
      const conf = bash.readPaths.length > 0 && bash.readPaths.every((p) => this.projectConfig(p, ev));
      return { outside: false, project: git || conf };
    }
    if (path) {
      if (this.inProject(path, ev)) return { outside: false, project: this.projectConfig(path, ev) };
      // a file outside the project: a download, a mail attachment, another project's file
      return { outside: FILE_READERS.has(tool), project: false };
    }
    // Grep, Glob, LS …: local, not the project's choice
    return { outside: false, project: false };
  }

  // ---------------------------------------------------------------- PostToolUse: record origins
  /** The texts of a tool's output that are recorded (a failure's error too), and its binary contents. */
  private outputLeaves(ev: HookEvent, failed: boolean): ReturnType<typeof contentLeaves> {
    const max = this.cfg.session.maxResponseBytes;
    // binary content (an image, a PDF) is recorded by its identity, not fingerprinted as text
    const leaves = contentLeaves(shownOutput(ev.tool_name, ev.tool_response), max);
    if (failed && typeof ev.error === 'string' && ev.error.length > 0) {
      let used = 0;
      for (const t of leaves.texts) used += t.length;
      if (used < max) leaves.texts.push(ev.error.length > max - used ? ev.error.slice(0, max - used) : ev.error);
    }
    return leaves;
  }

  /**
   * Work of recording a PostToolUse that depends on its output alone, in steps (the caller may let
   * other work run between them): the detector's scan of each large text, which the recording (and
   * redaction's scan before the answer) then finds remembered (detector.ts); the destinations the
   * output names and its structured values, kept with the event for post(). Changes no session state:
   * what the recording decides is the same whether or not these steps ran, only sooner.
   */
  *outputSteps(ev: HookEvent, scan = true): Generator<void, void, void> {
    const failed = ev.hook_event_name === 'PostToolUseFailure';
    if (!failed && ev.hook_event_name !== 'PostToolUse') return;
    const { texts } = this.outputLeaves(ev, failed);
    // scan false: the caller has the texts scanned elsewhere (a worker thread, daemon/scan-thread.ts)
    if (scan) yield* scanSteps(texts);
    // the fingerprints' hashes of each text (normalising, hashing: the costly part of recording it),
    // for the mode the recording will use; the recording then only inserts them (FingerprintIndex.add)
    const { dense, sampleMask } = addMode(texts, this.tracker.maxFingerprints);
    const prepared: PreparedText[] = [];
    for (const t of texts) {
      yield;
      prepared.push(yield* prepareTextSteps(this.tracker.hasher, t, dense, sampleMask));
    }
    yield;
    const read: RowsRead = { rows: [] };
    const structured = yield* structuredValueSteps(shownOutput(ev.tool_name, ev.tool_response), read);
    const hashed: HashedRow[] = [];
    yield* hashRowSteps(this.tracker.hasher, read.rows, hashed);
    // kept for post() with the event (the recording takes them instead of computing them again); the
    // destinations it names come last (post() scans for them itself when its steps did not get there)
    const entry: PreparedOutput = { named: undefined, structured, read, hashed, prepared };
    this.preparedOutputs.set(ev, entry);
    yield;
    const named: NamedDestinations = [];
    yield* outputDestinationSteps(shownOutput(ev.tool_name, ev.tool_response), errorTexts(ev), named);
    entry.named = named;
  }

  /**
   * The first of outputSteps alone: the detector's scan of each large text of the output (remembered
   * by the detector), what the answer to it needs (redaction's scan finds it remembered).
   */
  *scanSteps(ev: HookEvent): Generator<void, void, void> {
    const failed = ev.hook_event_name === 'PostToolUseFailure';
    if (!failed && ev.hook_event_name !== 'PostToolUse') return;
    yield* scanSteps(this.outputLeaves(ev, failed).texts);
  }

  /** The texts of an output that scanSteps scans and the detector does not remember yet, e.g. to scan them elsewhere (each once: contentLeaves). */
  scannedTexts(ev: HookEvent): string[] {
    const failed = ev.hook_event_name === 'PostToolUseFailure';
    if (!failed && ev.hook_event_name !== 'PostToolUse') return [];
    return this.outputLeaves(ev, failed).texts.filter((t) => scanRemembered(t) && !scanIsRemembered(t));
  }

  /** What outputSteps computed for an event, until it is recorded. */
  private readonly preparedOutputs = new WeakMap<HookEvent, PreparedOutput>();

  private post(ev: HookEvent, tool: string, now: number, failed: boolean): Decision {
    const s = this.tracker.touch(ev.session_id, now);
    s.toolsUsed.add(tool);
    const tc = this.classify(tool, ev);
    const d = this.base(ev, tool, tc.source, '');
    const { texts, binaries } = this.outputLeaves(ev, failed);
    const input = (ev.tool_input ?? {}) as Record<string, unknown>;
    const sensitive: string[] = [];
    let label = tool;
    let bash: BashAnalysis | undefined;
    if (typeof input.file_path === 'string') {
      label = `${tool}(${input.file_path})`;
      const p = sensitivePath(input.file_path, this.opts.home);
      if (p) sensitive.push(p.label);
    } else if (typeof input.command === 'string') {
      label = `${tool}(${truncate(redact(input.command), 60)})`;
      bash = analyzeBash(input.command);
      for (const p of [...bash.readPaths, ...this.listedReads(s, ev, bash)]) {
        const sp = sensitivePath(p, this.opts.home);
        if (sp && !sensitive.includes(sp.label)) sensitive.push(sp.label);
      }
      if (bash.envDump && !sensitive.includes(ENV_LABEL)) sensitive.push(ENV_LABEL);
    } else if (typeof input.url === 'string') {
      label = `${tool}(${truncate(redact(input.url), 60)})`;
    } else if (typeof input.repo === 'string' && tool.startsWith('mcp__')) {
      // which repository it came from: data of one repository going to another is not ordinary work
      label = `${tool}(${typeof input.owner === 'string' && !input.repo.includes('/') ? `${input.owner}/` : ''}${input.repo})`;
    }
    if (failed) label += ' (failed)';
    if (!failed) this.noteFileList(s, ev, tool, input, bash);
    // a script a Read returned whole: its text is known (a hook added to the settings that runs it is judged by it)
    if (!failed && tool === 'Read') this.noteReadScript(s, ev, input);
    const src = this.outputSource(s, ev, tool, tc, input, bash);
    const prep = this.preparedOutputs.get(ev);
    // the destinations it names (as its outputSteps found them, or scanned now)
    if (s.book.noteOutput(shownOutput(ev.tool_name, ev.tool_response), errorTexts(ev), { label, at: now, ...src }, prep?.named) > 0) s.dirty = true;
    if (tc.source === 'external') {
      // Untrusted content entered the session. It is not fingerprinted: sending it back out leaks nothing of ours.
      s.sawUntrusted(label, now);
      d.summary = 'external content received';
      return d;
    }
    // What a hybrid server's reader returns (an issue, a page, a ticket) may be written by anyone:
    // untrusted for the trifecta rule, and internal data all the same.
    // The same for what a command fetched from outside (`curl https://…`, `wget -O- …`).
    // Output of curl/ssh/ping against hosts the user, the project or the user's own infrastructure stands for is not untrusted.
    const fetched = bash?.egress && src.outside;
    if (tc.untrusted || fetched) {
      s.sawUntrusted(label, now);
    }
    const tokens: TokenSpec[] = [];
    for (const t of texts) {
      for (const f of scanText(t)) {
        tokens.push({ value: f.value, kind: 'secret', label: f.label });
        if (!sensitive.includes(f.label)) sensitive.push(f.label);
      }
    }
    // the distinctive values of the rows it returned (names, addresses, account numbers …): matched on their own;
    // and its personal rows whole, so that several values of one row leaving together count as that record
    const read: RowsRead = prep?.read ?? { rows: [] };
    for (const t of prep?.structured ?? structuredValues(shownOutput(ev.tool_name, ev.tool_response), read)) tokens.push(t);
    if (tc.source === 'unknown' && sensitive.length === 0) {
      d.summary = 'unclassified tool output, nothing sensitive: not recorded';
      return d;
    }
    // What an unauthenticated fetch from a public host returns is what anyone can get there:
    // public, like a web page (sending it on leaks nothing of ours), unless it holds secrets.
    const publicFetch =
      sensitive.length === 0 &&
      bash !== undefined &&
      bash.egress &&
      bash.hosts.length > 0 &&
      bash.hosts.every((h) => !isPrivateHost(h) && !matchDomainList(h, this.cfg.policy.trustedHosts)) &&
      bash.egressCommands.length > 0 &&
      bash.egressCommands.every((c) => PLAIN_FETCHERS.has(c)) &&
      !AUTHENTICATED.test(input.command as string);
    const o = s.addOrigin(
      {
        label,
        toolName: tool,
        cls: publicFetch ? 'external' : tc.source === 'unknown' ? 'internal' : tc.source,
        at: now,
        sensitive,
        ...(ev.tool_use_id ? { toolUseId: ev.tool_use_id } : {}),
      },
      texts,
      tokens,
      this.tracker.newOriginId(),
      this.tracker.recording,
      binaries,
      prep?.prepared,
    );
    if (read.rows.length > 0 && o.cls !== 'external') {
      if (prep) s.rows.addHashed(o.id, prep.hashed);
      else s.rows.add(o.id, read.rows);
    }
    // an output longer than is fingerprinted (session.maxResponseBytes): what is past it is not known,
    // so a text going out that could come from there is asked about (response_limit)
    if (o.cls !== 'external') {
      let kept = 0;
      for (const t of texts) kept += t.length;
      if (kept >= this.cfg.session.maxResponseBytes) s.responseCut = { label: truncate(label, 80), at: now };
    }
    // distinctive values of personal rows past the bound of those recognised alone: a text carrying one like them is asked about
    if (read.valuesCut !== undefined && o.cls !== 'external') s.valuesCut = `${truncate(label, 80)} returned ${read.valuesCut}`;
    if (read.shapesCut !== undefined && o.cls !== 'external') s.shapesCut = `${truncate(label, 80)} returned ${read.shapesCut}`;
    // personal rows past a bound of the reading are not held: what the session sends out is asked about
    if (read.cut !== undefined && o.cls !== 'external') s.rows.cutOff(`${truncate(label, 80)} returned more personal rows than the guard reads (${read.cut})`);
    // payment card numbers make the whole output sensitive (cardholder data)
    if (s.index.lastCards > 0 && !o.sensitive.includes(CARD_LABEL)) {
      o.sensitive.push(CARD_LABEL);
      if (!sensitive.includes(CARD_LABEL)) sensitive.push(CARD_LABEL);
    }
    if (sensitive.length) s.readSensitive(label, now);
    // the file a reader returned holds this data: a later upload of the file is an upload of the data
    if (FILE_READERS.has(tool) && typeof input.file_path === 'string') {
      const p = this.abs(input.file_path, ev);
      if (p) s.taint({ path: p, source: label, sourceAt: now, sensitive: [...sensitive], by: `read by ${tool}`, at: now });
    }
    d.summary = `recorded ${o.fingerprints} fingerprint${o.fingerprints === 1 ? '' : 's'}${sensitive.length ? ` (sensitive: ${sensitive.join(', ')})` : ''}`;
    d.risk = sensitive.length ? 'medium' : 'none';
    return d;
  }

  // ---------------------------------------------------------------- PreToolUse: check
  private pre(ev: HookEvent, tool: string, now: number, settle?: (d: Decision) => void): Decision {
    const s = this.tracker.touch(ev.session_id, now);
    s.toolsUsed.add(tool);
    const tc = this.classify(tool, ev);
    const input = (ev.tool_input ?? {}) as Record<string, unknown>;
    const pol = this.cfg.policy;
    // WebFetch sends only its URL to the site. Its `prompt` goes to the model provider, together with
    // the fetched page, to summarise it, and that provider already has the whole conversation: the
    // prompt is not a way out, so only the URL is checked (hosts included); secrets in the prompt are
    // checked on their own (fetchPromptFindings).
    const texts = tool === 'WebFetch' ? (typeof input.url === 'string' ? [input.url] : []) : stringLeaves(input, MAX_INPUT_CHECKED + 1);
    // an input longer than is checked: what lies past the bound is not looked at (asked about below, when it leaves)
    let inputCut = false;
    if (texts.reduce((n, t) => n + t.length, 0) > MAX_INPUT_CHECKED) {
      inputCut = true;
      texts[texts.length - 1] = (texts[texts.length - 1] as string).slice(0, -1);
    }
    const joined = texts.join('\n');

    let bash: BashAnalysis | undefined;
    let command = typeof input.command === 'string' ? input.command : undefined;
    let unreadScripts: Array<{ path: string; what: string }> = [];
    let scriptLimit: LimitFact | undefined;
    if (tc.destination === 'hybrid' && command !== undefined) {
      bash = analyzeBash(command);
      // a script this session wrote and now runs is judged with what it holds (scripts.ts); one it wrote
      // but the guard cannot read whole (too large, let go, changed unseen), or whose text the analysis
      // cannot read to its end, is asked about: the limit is the guard's, the script is the session's
      const judged = withScripts(command, bash, this.cwdOf(ev), this.opts.home, s.written, this.ownTexts(ev, bash));
      unreadScripts = judged.unread;
      // what the command carries in itself, apart from the scripts it runs (their data is their files' taints)
      let carries: Carried | undefined;
      if (judged.command !== undefined) {
        carries = { text: judged.own.length ? [command, ...judged.own].join('\n') : command, scripts: judged.files };
        const plain = bash;
        const withText = analyzeBash(judged.command, MAX_INPUT + (judged.command.length - command.length));
        command = judged.command;
        bash = withText;
        const added = withText.limits.filter((l) => !plain.limits.some((p) => p.limit === l.limit));
        if (added.length) scriptLimit = added[0];
      }
      this.bashEffects(s, ev, bash, command, now, carries);
      // a Claude Code this call starts: its session's first prompt is this agent's, not the user's (nested-claude.ts)
      for (const l of claudeLaunches(bash)) this.tracker.nested.add(ev.session_id, now, l.texts, l.blind);
    }
    if (FILE_WRITERS.has(tool)) this.writeEffects(s, ev, tool, input, now);

    const hosts = new Set<string>(allHosts(joined));
    if (bash) for (const h of bash.hosts) hosts.add(h);
    const suspiciousList = this.suspiciousList();
    const findings: Finding[] = [];
    const commits: Commit[] = [];

    for (const h of hosts) {
      const hit = matchDomainList(h, suspiciousList);
      if (hit) {
        findings.push({
          action: pol.suspiciousEndpoint,
          risk: 'critical',
          flowType: 'internal_to_external',
          what: 'data',
          how: `${hit} is on the suspicious-endpoint list (request bins, tunnels, paste sites)`,
          rule: 'suspicious_endpoint',
        });
        break;
      }
    }

    // Switching the guard off (stop its sidecar, uninstall it, delete its state, rewrite the hooks)
    let settingsLive: string | undefined;
    const tamper = bash
      ? bashTamper(
          bash,
          command as string,
          this.guard,
          typeof ev.cwd === 'string' ? ev.cwd : undefined,
          0,
          this.opts.settingsFile,
          (l) => {
            settingsLive = l;
          },
          (p) => this.knownText(s, p),
        )
      : FILE_WRITERS.has(tool)
        ? this.fileTamperOf(s, input, ev, tool, (l) => {
            settingsLive = l;
          })
        : undefined;
    if (tamper) {
      const off = tamper.kind === 'disable';
      findings.push({
        action: off ? pol.guardTampering : pol.settingsChanges,
        risk: off ? 'critical' : 'high',
        flowType: 'internal_to_internal',
        what: tamper.what,
        rule: off ? 'guard_tampering' : 'guard_settings',
      });
    }

    // Where does this call send data?
    const dest = this.destination(tc, tool, input, bash, [...hosts]);
    const d = this.base(ev, tool, dest.cls, '');
    d.destinationHosts = dest.hosts;
    // a settings change judged by the file as it is on this machine (daemon/settings-file.ts)
    if (settingsLive) d.liveFacts = [settingsLive];

    let verdicts: DestinationVerdict[] = [];
    if (dest.cls === 'external' || dest.cls === 'unknown') {
      // Who chose where this goes: the user, the project, the user's own hosts, or a tool output
      verdicts = this.destinationVerdicts(s, ev, tool, tc, input, bash, dest.hosts);
      const worst = verdicts.reduce<DestinationVerdict | undefined>((a, v) => (!a || verdictRank(v) < verdictRank(a) ? v : a), undefined);
      const chosen = verdicts.length > 0 && verdicts.every((v) => isChosen(v.provenance));
      if (worst) {
        d.provenance = worst.provenance;
        d.destination = { value: worst.dest.value, via: worst.via, planted: worst.planted };
      }
      const live = uniq(verdicts.flatMap((v) => (v.live ? [v.live] : [])));
      if (live.length) d.liveFacts = [...(d.liveFacts ?? []), ...live];
      // gh / git writes to the project's own repository are like the GitHub MCP server's writes
      const ownRepoWrite =
        bash !== undefined && bash.egressCommands.length > 0 && bash.egressCommands.every((c) => c === 'git push' || c.startsWith('gh ')) && chosen;
      const kind: DestKind =
        dest.cls === 'unknown'
          ? 'unknown'
          : tc.sink === 'search'
            ? 'search'
            : ((tc.sink === 'project' || tc.sink === 'user') && !this.foreignRepository(input, ev, s)) || ownRepoWrite
              ? 'hybrid'
              : 'external';
      // per site, not per host name: DNS exfiltration puts the data in the host name itself
      const destKey = dest.hosts.length ? uniq(dest.hosts.map(registrableDomain)).sort().join(',') : tool;
      // naming a destination the session already knew (from the prompt, a project file, a tool
      // output) sends nothing: a deployment URL read from a CI log is not data when it is fetched
      // of a Bash command, only what leaves (its senders' data, URLs, stdin): not cd/cp paths, branch names, an earlier echo
      const payload = this.withoutKnownHosts(bash?.payload ? bash.payload.join('\n') : joined, verdicts);
      const decoded: ViewLimits = {};
      const vs = views(payload, DEFAULT_DECODERS, decoded);
      // what the decoders' bounds left undecoded (a fourth layer of base64) is not looked at: asked about
      if (decoded.cut !== undefined && kind !== 'hybrid')
        findings.push({
          action: 'ask',
          risk: 'high',
          flowType: 'internal_to_external',
          what: `a call whose input the guard could not decode whole: ${decoded.cut}`,
          rule: 'analysis_limit',
        });
      // a write that names no recipient on the server the data came from gives it back to where it
      // already lives (a record updated, a booking made with the profile it returned); not on code
      // hosts, trackers or wikis, whose spaces (a private and a public repository) differ in who reads them
      const home = kind === 'hybrid' && (tc.family === 'unknown' || tc.family === 'database') ? tc.server : undefined;
      // secrets going back to the server that returned them are explained by it; not for a database,
      // where a write can move them into a table with other readers
      const homeLabels = new Set<string>();
      this.contentFindings(s, vs, kind, destKey, findings, commits, home, tc.family === 'unknown' ? homeLabels : undefined);
      if (dest.cls === 'external') this.secretFindings(vs, findings, homeLabels);
      // a secret spread over separate calls to one site, a few characters per call (spread.ts)
      const fields = bash ? (bash.payload ?? []).flatMap((p) => p.split('\n')) : tool === 'WebFetch' ? [] : texts;
      this.spreadFindings(s, bash?.payload ? bash.payload.join('\n') : joined, fields, destKey, kind, findings, commits);
      if (bash?.egress) this.commandFindings(s, ev, bash, input.command as string, findings);
      if (bash && bash.pushes.length > 0) {
        const read = this.pushFindings(s, ev, bash, findings);
        d.liveFacts = [
          ...(d.liveFacts ?? []),
          read === 'read'
            ? 'git objects of the push'
            : read === 'absent'
              ? 'git objects of the push (no repository at its directory here)'
              : 'git objects of the push (not read: no repository access)',
        ];
      }
      if (tc.uploads) this.uploadFindings(s, ev, tool, tc.uploads, findings);
      // not for a write that names no recipient to a server nobody classified (the user's own record
      // or note there): nobody else reads it unless the server shares it, and then data would show
      if (dest.cls === 'external' && !chosen && !(kind === 'hybrid' && tc.family === 'unknown')) this.trifectaFinding(s, ev, bash, findings);
      if (tool === 'WebFetch' && typeof input.prompt === 'string' && dest.cls === 'external')
        this.fetchPromptFindings(s, input.prompt, kind, destKey, findings, commits);
      provenancePolicy(this.cfg.policy, findings, verdicts, chosen, tool, input, bash);
      if (tool === 'WebSearch') this.searchSites(s, ev, input, findings, d);
      this.dataInHostName(s, verdicts, findings);
      // Per-tool / per-server overrides replace the action of flow findings.
      const ov = own(pol.toolActions, tool) ?? (tc.server ? own(pol.serverActions, tc.server) : undefined);
      if (ov) for (const f of findings) if (f.rule !== 'suspicious_endpoint') f.action = ov;
    }
    // credentials copied by a query into a place others read (wherever the database is: the values never show in the call)
    this.sqlCopyFindings(s, tool, tc, input, bash, findings);
    // a script the session wrote that the guard cannot read whole, or whose text the analysis could not
    // read to its end: what it does is unknown, so it is never allowed (no override)
    for (const u of unreadScripts)
      findings.push({
        action: 'ask',
        risk: 'high',
        flowType: 'internal_to_external',
        what: `a run of ${u.what}`,
        rule: 'script_limit',
      });
    if (scriptLimit && unreadScripts.length === 0)
      findings.push({
        action: 'ask',
        risk: 'high',
        flowType: 'internal_to_external',
        what: `a run of a script this session wrote that the guard could not analyse: ${scriptLimit.what.replace(/^the command\b/, 'the command with the script')}`,
        rule: 'script_limit',
      });
    // an input longer than the strings checked for the session's data and secrets, going out: the rest was not looked at
    if (inputCut && (dest.cls === 'external' || dest.cls === 'unknown'))
      findings.push({
        action: 'ask',
        risk: 'high',
        flowType: 'internal_to_external',
        what: `a call whose input is longer than the ${MAX_INPUT_CHECKED / (1024 * 1024)} MB the guard checks for the session's data and secrets`,
        rule: 'analysis_limit',
      });
    // a command the analysis could not read to its end: what it does is unknown, so it is never allowed (no override)
    const limit = bash?.limits.find((l) => l !== scriptLimit);
    if (limit)
      findings.push({
        action: 'ask',
        risk: 'high',
        flowType: 'internal_to_external',
        what: `a command the guard could not analyse: ${limit.what}`,
        rule: 'analysis_limit',
      });

    // a call that goes ahead (allowed outright, or by the user's exception): destinations the agent used
    // first itself are its own choice from now on, and what it sends adds up (a denied call sends nothing)
    const goesAhead = (): void => {
      for (const v of verdicts) if (v.provenance === 'never_seen' && s.book.noteUsed(v.dest, `an earlier ${tool} call`, now)) s.dirty = true;
      for (const c of commits) c();
    };
    if (findings.length === 0) {
      goesAhead();
      d.summary = dest.cls === 'internal' ? 'stays inside' : 'no internal data found in the input';
      d.summary += provenanceNote(d);
      s.noteDecision('allow', null, 'none');
      return d;
    }
    findings.sort((a, b) => ACTION_RANK[b.action] - ACTION_RANK[a.action] || RISK_RANK[b.risk] - RISK_RANK[a.risk]);
    const top = findings[0] as Finding;
    d.findings = findings;
    // A question nobody will be asked: a session that bypasses permissions (--dangerously-skip-permissions)
    // runs an "ask" call without asking anyone, so an ask there becomes policy.askWhenBypassed.
    const unasked = top.action === 'ask' && ev.permission_mode === 'bypassPermissions' && pol.askWhenBypassed !== 'ask';
    if (unasked)
      top.action =
        (top.rule === 'analysis_limit' || top.rule === 'script_limit') && ACTION_RANK[pol.askWhenBypassed] < ACTION_RANK.ask ? 'deny' : pol.askWhenBypassed;
    d.action = top.action;
    d.risk = top.risk;
    d.flowType = top.flowType;
    if (top.origin) d.originTool = top.origin.label;
    else if (top.source) d.originTool = top.source.label;
    d.summary = summarize(top) + provenanceNote(d);
    d.reason = reasonText(tool, top, findings.length, dest.hosts, {
      timeOfDay: this.timeOfDay,
      ...(this.opts.configPath ? { configPath: this.opts.configPath } : {}),
    });
    if (unasked) d.reason += unaskedNote(top.action);
    // the last word on an interrupted call (the user's flow exceptions) comes before the state follows it
    if (d.action === 'ask' || d.action === 'deny') settle?.(d);
    if (d.action !== 'deny') goesAhead();
    s.noteDecision(d.action, d.flowType, d.risk);
    return d;
  }

  /** The destinations of a call and who chose each (hosts, addresses, repositories, git remotes). */
  private destinationVerdicts(
    s: Session,
    ev: HookEvent,
    tool: string,
    tc: ToolClass,
    input: Record<string, unknown>,
    bash: BashAnalysis | undefined,
    hosts: string[],
  ): DestinationVerdict[] {
    const ctx = this.provenanceContext(s, ev);
    const out: DestinationVerdict[] = [];
    const of = (d: Destination): void => {
      out.push(provenanceOf(d, ctx));
    };
    if (bash) {
      const repoOnly = bash.egressCommands.length > 0 && bash.egressCommands.every((c) => c === 'git push' || c.startsWith('gh '));
      if (repoOnly) {
        // a repository created by this very command (`gh repo create X … && git push`) is a new place
        let created: string | undefined;
        for (const seg of ghCommands(bash)) {
          if (seg[1] === 'repo' && seg[2] === 'create') {
            created = seg.slice(3).find((a) => !a.startsWith('-'));
            // `gh repo create X --source=. --push`: the project's own new remote, made from its directory
            const from = seg.findIndex((a) => a === '--source' || a === '-s' || a.startsWith('--source='));
            const source = from < 0 ? undefined : (seg[from] as string).startsWith('--source=') ? (seg[from] as string).slice(9) : seg[from + 1];
            if (created && source !== undefined && (source === '.' || source === './' || this.abs(source, ev) === this.abs('.', ev))) {
              out.push({
                dest: { kind: 'repo', value: created.toLowerCase() },
                provenance: 'project',
                planted: false,
                via: "a repository created from the project's own directory (gh repo create --source)",
              });
            } else if (created) of({ kind: 'repo', value: created.toLowerCase() });
            continue;
          }
          const repo = ghRepo(seg);
          if (repo) of({ kind: 'repo', value: repo.toLowerCase() });
          else
            out.push({
              dest: { kind: 'repo', value: '(the current repository)' },
              provenance: 'project',
              planted: false,
              via: "gh in the project's working directory",
            });
        }
        for (const push of repoPushes(bash, this.cwdOf(ev), this.opts.home)) {
          // where the session pointed it (git/remotes.ts); undefined: the remote as the repository had it
          const url = pushTarget(s.remotes, push)?.url;
          if (url === undefined && created) continue;
          if (url === undefined) {
            out.push({
              dest: { kind: 'repo', value: `remote ${push.remote}` },
              provenance: 'project',
              planted: false,
              via: `the repository's configured remote ${push.remote}`,
            });
            continue;
          }
          const gh = /github\.com[/:]([^/\s]+)\/([^/\s]+?)(?:\.git)?\/?$/i.exec(url);
          if (gh) of({ kind: 'repo', value: `${gh[1]}/${gh[2]}`.toLowerCase() });
          else {
            const h = hostOfUrl(url) ?? /^[^@\s]+@([^:\s]+):/.exec(url)?.[1];
            if (h) of({ kind: 'host', value: h.toLowerCase() });
          }
        }
        return out;
      }
    }
    // an MCP tool sends to its recipients; a host named in a message body is not a destination unless
    // it is a URL that carries data or an image a viewer will load (markdown image exfiltration)
    // a web search goes to the search provider: hosts named in the query are words, not destinations
    if (tool === 'WebSearch') return out;
    // a GitHub URL names a repository: `raw.githubusercontent.com/o/r/…` goes to the repository o/r
    const urls = bash ? bash.urls : tool === 'WebFetch' && typeof input.url === 'string' ? [input.url] : [];
    const repoHosts = new Set<string>();
    for (const u of urls) {
      const r = githubRepoOfUrl(u);
      if (r) {
        of({ kind: 'repo', value: r.repo });
        repoHosts.add(r.host);
      }
    }
    for (const h of tool.startsWith('mcp__') ? mcpHosts(input) : hosts) if (!repoHosts.has(h)) of({ kind: 'host', value: h });
    if (tool.startsWith('mcp__')) {
      for (const a of addressesOf(input)) of(a);
      const owner = typeof input.owner === 'string' ? input.owner : undefined;
      const repo = typeof input.repo === 'string' ? input.repo : typeof input.repository === 'string' ? input.repository : undefined;
      if (repo) of({ kind: 'repo', value: (owner && !repo.includes('/') ? `${owner}/${repo}` : repo).toLowerCase() });
      // a write that names nobody (a note, a record, a knowledge entry) goes to the user's own space there
      if (out.length === 0 && tc.sink === 'project' && tc.server)
        out.push({
          dest: { kind: 'repo', value: `${tc.server} (the user's space)` },
          provenance: 'project',
          planted: false,
          via: `the user's own space on ${tc.server} (the call names no recipient)`,
        });
    }
    return out;
  }

  /**
   * A web search goes to the search provider; one restricted to a site (`site:x`, `allowed_domains`)
   * is also aimed at that site's pages, and at whoever watches what is searched for there. Data in a
   * search aimed at a site planted in outside content is the injection pattern ("look up each
   * customer on site:x"): its data findings become policy.plantedDestination. A search of a site a
   * result named, with none of the session's data in it, is ordinary research and stays as it is.
   */
  private searchSites(s: Session, ev: HookEvent, input: Record<string, unknown>, findings: Finding[], d: Decision): void {
    if (!findings.some((f) => DATA_RULES.has(f.rule))) return;
    const sites = new Set<string>();
    if (typeof input.query === 'string') for (const h of siteOperands(input.query)) sites.add(h);
    if (Array.isArray(input.allowed_domains)) for (const x of input.allowed_domains) if (typeof x === 'string') for (const h of allHosts(x)) sites.add(h);
    const ctx = this.provenanceContext(s, ev);
    for (const h of sites) {
      const v = provenanceOf({ kind: 'host', value: h }, ctx);
      if (!v.planted) continue;
      d.provenance = v.provenance;
      d.destination = { value: h, via: v.via, planted: true };
      const pol = this.cfg.policy;
      for (const f of findings) {
        if (!DATA_RULES.has(f.rule)) continue;
        if (ACTION_RANK[pol.plantedDestination] > ACTION_RANK[f.action]) f.action = pol.plantedDestination;
        if (RISK_RANK[f.risk] < RISK_RANK.critical) f.risk = 'critical';
        f.how = also(f.how, `the search is restricted to ${because.planted(h, v.via)}`);
      }
      return;
    }
  }

  /**
   * Data riding in the name of a host nobody has seen (`<token>.attacker.tld`: DNS exfiltration): the
   * lookup alone delivers it, so a finding about data that the host name itself carries is denied.
   */
  private dataInHostName(s: Session, verdicts: DestinationVerdict[], findings: Finding[]): void {
    if (!findings.some((f) => DATA_RULES.has(f.rule) && f.action !== 'deny')) return;
    for (const v of verdicts) {
      if (v.dest.kind !== 'host' || v.provenance !== 'never_seen' || v.dest.value.length < 24) continue;
      const labels = v.dest.value.split('.').slice(0, -2).join('.');
      if (labels.length < 12) continue;
      const hit = s.index.matchAll(labels).origins.find((m) => m.distinctive || m.sensitiveLabels.length > 0);
      if (!hit) continue;
      for (const f of findings) {
        if (!DATA_RULES.has(f.rule) || f.action === 'deny') continue;
        f.action = this.cfg.policy.sensitiveToExternal;
        f.risk = 'critical';
        f.how = also(f.how, because.dataInHostName(v.dest.value));
      }
      return;
    }
  }

  /**
   * The outgoing text with the destinations themselves blanked out (never one nobody has seen: it may
   * be made of the data): the recipients of a message
   * (an address is where it goes, not what it says), and hosts the session already knew.
   */
  private withoutKnownHosts(text: string, verdicts: DestinationVerdict[]): string {
    let t = text;
    for (const v of verdicts) {
      if (v.dest.value.length < 4 || v.dest.kind === 'repo') continue;
      // a name nobody has seen may be made of the data itself (`<secret>.attacker.tld`, `<secret>@attacker.tld`)
      if (v.provenance === 'never_seen') continue;
      // a bare name (`general`, `Bob`) is left alone: blanking it would blank it in the message too
      if (v.dest.kind === 'address' && !v.dest.value.includes('@') && !/^\+?\d{7,}$|^[a-z]{2}\d{2}[a-z0-9]{10,}$/i.test(v.dest.value)) continue;
      if (t.toLowerCase().includes(v.dest.value)) t = t.replace(new RegExp(escapeRe(v.dest.value), 'gi'), v.dest.kind === 'host' ? 'known.invalid' : ' ');
    }
    return t;
  }

  private fileTamperOf(s: Session, input: Record<string, unknown>, ev: HookEvent, tool: string, note: (live: string) => void): ReturnType<typeof fileTamper> {
    const f = typeof input.file_path === 'string' ? input.file_path : typeof input.notebook_path === 'string' ? input.notebook_path : undefined;
    const p = f ? this.abs(f, ev) : null;
    if (!p) return undefined;
    // the settings file as it is on this machine, read by the daemon (daemon/settings-file.ts) when a change of one is judged
    const other = mcpJsonFile(p) || shellStartupFile(p, this.opts.home) || gitHookFile(p) || hookScriptFile(p);
    const file = judgedByEffect(p) || other ? (this.opts.settingsFile?.(p) ?? (other ? { path: p, exists: false } : undefined)) : undefined;
    const cwd = typeof ev.cwd === 'string' ? ev.cwd : undefined;
    const read = this.opts.settingsFile;
    return (
      fileTamper(
        p,
        this.guard,
        file ? { tool, input, file, known: (x) => this.knownText(s, x), ...(read ? { read } : {}), ...(cwd ? { cwd } : {}) } : undefined,
        note,
      ) ?? definitionHooks(p, tool, input)
    );
  }

  // ---------------------------------------------------------------- 1 + 4: content of origins
  private contentFindings(
    s: Session,
    vs: View[],
    kind: DestKind,
    destKey: string,
    findings: Finding[],
    commits: Commit[],
    home?: string,
    homeLabels?: Set<string>,
  ): void {
    const pol = this.cfg.policy;
    const seen = new Map<number, MergedMatch>();
    const frags = new Map<number, { hit: FragmentHit; via: string[]; ranges: Array<[number, number]> }>();
    // k-grams of the text in the summary of what the index let go (the most of any view)
    let letGoHits = 0;
    let letGoVia: string[] = [];
    for (const v of vs) {
      const r = s.index.matchAll(v.text, { softExclude: softRanges(v.text) });
      if ((r.letGo ?? 0) > letGoHits) {
        letGoHits = r.letGo ?? 0;
        letGoVia = v.via;
      }
      for (const m of r.origins) {
        const prev = seen.get(m.originId);
        if (!prev) {
          seen.set(m.originId, { m, via: v.via });
          continue;
        }
        const p = prev.m;
        const better = m.sensitiveLabels.length > p.sensitiveLabels.length || m.covered > p.covered;
        const labels = uniq([...p.sensitiveLabels, ...m.sensitiveLabels]);
        const merged: OriginMatch = {
          originId: m.originId,
          covered: Math.max(p.covered, m.covered),
          coveredOutside: Math.max(p.coveredOutside, m.coveredOutside),
          sensitiveLabels: labels,
          distinctive: p.distinctive || m.distinctive,
          kgramHashes: m.covered > p.covered ? m.kgramHashes : p.kgramHashes,
        };
        seen.set(m.originId, { m: merged, via: better ? v.via : prev.via });
      }
      for (const f of r.fragments) {
        const prev = frags.get(f.secretId);
        if (!prev) frags.set(f.secretId, { hit: f, via: v.via, ranges: f.ranges.map((x) => [x[0], x[1]] as [number, number]) });
        else prev.ranges.push(...f.ranges);
      }
    }
    const external = kind !== 'unknown';
    const risky = new Set<number>(); // origins already reported in this call
    for (const [id, { m, via }] of seen) {
      const o = s.origins.get(id);
      if (!o || o.cls === 'external') continue; // external -> external: nothing of ours
      if (home !== undefined && parseMcpName(canonicalToolName(o.toolName))?.server === home) {
        // the secrets in it go back to the server that returned them: not "a secret no tool returned"
        if (homeLabels) for (const l of m.sensitiveLabels) homeLabels.add(l);
        continue;
      }
      const how = via.length ? `after ${via.join(' then ')} decoding` : undefined;
      const decoded = via.length > 0;
      const sensitive = m.sensitiveLabels.length > 0 || (o.sensitive.length > 0 && m.covered >= MIN_COVERAGE);
      if (sensitive) {
        const what = m.sensitiveLabels.length ? article(m.sensitiveLabels.join(' and ')) : `${m.covered} characters of ${o.sensitive.join(', ')} content`;
        findings.push({
          action: external ? pol.sensitiveToExternal : pol.sensitiveToUnknown,
          risk: external ? 'critical' : 'high',
          flowType: 'internal_to_external',
          what,
          origin: o,
          ...(how ? { how } : {}),
          decoded,
          ...(m.sensitiveLabels.length ? { labels: m.sensitiveLabels } : {}),
          rule: external ? 'sensitive_to_external' : 'sensitive_to_unknown',
        });
        risky.add(id);
      } else if (m.distinctive) {
        // an e-mail address, a random id: as strict as any internal data to the outside
        const what =
          m.coveredOutside >= MIN_COVERAGE
            ? `${m.coveredOutside} characters of data with a distinctive value (an id, token or e-mail address)`
            : 'a distinctive value (an id, token or e-mail address)';
        findings.push({
          action: external ? pol.internalToExternal : pol.internalToUnknown,
          risk: external ? 'high' : 'medium',
          flowType: 'internal_to_external',
          what,
          origin: o,
          ...(how ? { how } : {}),
          decoded,
          rule: external ? 'internal_to_external' : 'internal_to_unknown',
        });
        risky.add(id);
      } else if (m.coveredOutside >= MIN_COVERAGE) {
        const [action, rule] = coverageAction(this.cfg.policy, kind);
        const where = kind === 'search' ? ' in a search query' : kind === 'hybrid' ? ' to a hybrid server (code host, tracker)' : '';
        findings.push({
          action,
          risk: kind === 'external' ? 'high' : 'medium',
          flowType: 'internal_to_external',
          what: `${m.coveredOutside} characters of data${where}`,
          origin: o,
          ...(how ? { how } : {}),
          decoded,
          rule,
        });
        risky.add(id);
      }
    }

    // 4b'. data this session read and let go for the fingerprint bound (maxFingerprints): a flood of
    // other reads must not make it forget a memo read before. A sampled summary of what was let go
    // (let-go.ts) is matched; past its own bound, every text of three words or more counts as a match.
    // As strict as if the data had been kept: the action a match of it would get there (policy:
    // asked about to the outside, flagged to a code host or search, nothing to an unclassified tool;
    // a destination the user chose makes it ordinary work, a planted one raises it, as for any data).
    {
      const lg = s.index.letGo;
      const [action] = coverageAction(pol, kind);
      if (lg.active && action !== 'allow' && risky.size === 0) {
        const hits = letGoHits;
        const via = letGoVia;
        // hits of a sample of one k-gram in 2^level: about hits << level k-grams of the text were let go
        // (two at least: one sampled k-gram is a 24-character phrase, which ordinary text shares)
        const copied = hits >= 2 && hits * 2 ** lg.level >= MIN_COVERAGE - K + 1;
        if (copied || (lg.all && threeWords(vs[0]?.text ?? ''))) {
          findings.push({
            action,
            risk: kind === 'external' ? 'high' : 'medium',
            flowType: 'internal_to_external',
            what: copied
              ? `text matching data this session read and let go: it read more than the ${this.tracker.maxFingerprints.toLocaleString('en-US')} fingerprints a session keeps (session.maxFingerprints), ${lg.origins} earlier output${lg.origins === 1 ? ' was' : 's were'} let go, and this text shares ${hits} of the fingerprints remembered of them`
              : `text the guard can no longer check for the data this session read: it read more than the ${this.tracker.maxFingerprints.toLocaleString('en-US')} fingerprints a session keeps (session.maxFingerprints) and let go more than it can remember (${lg.origins} outputs)`,
            ...(via.length ? { how: `after ${via.join(' then ')} decoding` } : {}),
            decoded: via.length > 0,
            rule: 'fingerprint_limit',
          });
        }
      }
    }

    // 4c. several values of one personal row together (a name, a city, an amount of the same
    // customer): that record is leaving, though each value alone is short and ordinary
    const records = new Map<number, { cells: number; rows: number; via: string[] }>();
    let recordChars = 0;
    // a part of the text not looked at for records (the bounds below)
    let unchecked = false;
    for (const v of vs) {
      // bounded per call: the raw text and its decoded views up to MAX_RECORD_CHARS in all
      if (s.rows.cellCount === 0) break;
      if (recordChars >= MAX_RECORD_CHARS) {
        unchecked = true;
        break;
      }
      if (v.text.length > ROW_MATCH_CHARS) unchecked = true;
      recordChars += v.text.length;
      for (const hit of s.rows.match(v.text)) {
        const prev = records.get(hit.originId);
        if (!prev || hit.rows > prev.rows || hit.cells > prev.cells) records.set(hit.originId, { cells: hit.cells, rows: hit.rows, via: v.via });
      }
    }
    for (const [id, r] of records) {
      if (risky.has(id)) continue;
      const o = s.origins.get(id);
      if (!o || o.cls === 'external') continue;
      if (home !== undefined && parseMcpName(canonicalToolName(o.toolName))?.server === home) continue;
      findings.push({
        action: external ? pol.internalToExternal : pol.internalToUnknown,
        risk: external ? 'high' : 'medium',
        flowType: 'internal_to_external',
        what: `${r.rows > 1 ? `${r.rows} records` : 'a record'} of a personal table (${r.cells} values of the same row${r.rows > 1 ? ' in the fullest one' : ''})`,
        origin: o,
        how: also(
          r.via.length ? `after ${r.via.join(' then ')} decoding` : undefined,
          `${kind === 'search' ? 'a search query is sent to the search provider; ' : ''}each value alone is short and ordinary, together they are one person's row`,
        ),
        decoded: r.via.length > 0,
        rule: 'record_to_external',
      });
      risky.add(id);
    }
    // the records the session read cannot all be looked for: rows let go for the bound of the row index
    // (a flood of junk rows must not make it forget a customer read before), or a text longer than is
    // matched (a record behind 256 KB of padding). Fail closed: asked about, not allowed unchecked.
    // a text naming someone let go is asked about whatever its shape (`Ines,Takahara,ines.t@…`); with
    // too many let go to remember, or rows of an output not all read, every text of three words or more
    const named = s.rows.forgotten > 0 && !s.rows.lostAll && s.rows.cut === undefined && vs.some((v) => s.rows.namesLost(v.text));
    // values of personal rows not kept to be recognised alone (a phone of row 3,000): a text carrying a value of
    // their shapes (a phone number, an account, an id: a run of eight or more with digits) may be one
    const vc = s.valuesCut;
    if (vc !== undefined && kind !== 'hybrid' && records.size === 0 && !findings.some((f) => DATA_RULES.has(f.rule)) && vs.some((v) => VALUE_RE.test(v.text)))
      findings.push({
        action: 'ask',
        risk: 'high',
        flowType: 'internal_to_external',
        what: `text the guard can no longer check for the personal values this session read: ${vc}`,
        how: 'the user can confirm the call if it holds none of those values, or start a new session for unrelated work',
        rule: 'record_limit',
      });
    // a text too long for the shapes' scans: a street address or an IBAN in it is no token, so one going out is asked about
    const sc = s.shapesCut;
    if (sc !== undefined && kind !== 'hybrid' && !findings.some((f) => DATA_RULES.has(f.rule)) && vs.some((v) => hasValueShape(v.text)))
      findings.push({
        action: 'ask',
        risk: 'high',
        flowType: 'internal_to_external',
        what: `a street address or IBAN the guard can no longer check against what this session read: ${sc}`,
        how: 'the user can confirm the call if it holds none of that output, or start a new session for unrelated work',
        rule: 'record_limit',
      });
    // an output cut at session.maxResponseBytes: a text of three words or more that matched nothing kept could come from its rest
    const rc = s.responseCut;
    if (rc !== undefined && kind !== 'hybrid' && !findings.some((f) => DATA_RULES.has(f.rule)) && vs.some((v) => joinedValues(v.text) >= 3))
      findings.push({
        action: 'ask',
        risk: 'high',
        flowType: 'internal_to_external',
        what: `text the guard could not check against all this session read: ${rc.label} at ${this.timeOfDay(rc.at)} was longer than the ${Math.round(this.cfg.session.maxResponseBytes / 1024).toLocaleString('en-US')} KB of an output fingerprinted, and its rest is not known`,
        rule: 'response_limit',
      });
    const everyText = s.rows.cut !== undefined || (s.rows.forgotten > 0 && s.rows.lostAll);
    // three words or more; with every text asked about, also words joined as URL parameters or fields
    // (`?n=Ines_Takahara&p=+447…`), once the URL's scheme and host are left out
    const severalValues = everyText ? vs.some((v) => joinedValues(v.text) >= 3) : threeWords(vs[0]?.text ?? '');
    if (records.size === 0 && kind !== 'hybrid' && (named || ((everyText || unchecked) && severalValues))) {
      findings.push({
        action: 'ask',
        risk: 'high',
        flowType: 'internal_to_external',
        what:
          s.rows.cut !== undefined
            ? `text the guard can no longer check for the personal records this session read: ${s.rows.cut}; the rows past it are not held`
            : named || everyText
              ? `text the guard can no longer check for the personal records this session read: it read more than the ${MAX_CELLS.toLocaleString('en-US')} cells of personal rows it keeps, ${s.rows.forgotten} row${s.rows.forgotten === 1 ? ' was' : 's were'} let go, and ${s.rows.lostAll ? 'too many to remember who they were about' : 'this text names who one of them was about'}`
              : `text the guard did not check whole for the personal records this session read (records are looked for in the first ${ROW_MATCH_CHARS / 1024} KB of each text, ${MAX_RECORD_CHARS / 1024} KB per call)`,
        how: 'the user can confirm the call if it holds none of those records, or start a new session for unrelated work',
        rule: 'record_limit',
      });
    }

    // 4b. an output sent a chunk at a time: what one origin's content adds up to at one destination
    for (const [id, { m }] of seen) {
      const o = s.origins.get(id);
      if (!o || o.cls === 'external') continue;
      if (home !== undefined && parseMcpName(canonicalToolName(o.toolName))?.server === home) continue;
      const sens = o.sensitive.length > 0;
      const covered = sens ? m.covered : m.coveredOutside;
      if (covered < K && m.sensitiveLabels.length === 0) continue;
      const key = `${id} ${destKey}`;
      const prev = s.chunks.get(key);
      const fresh = m.kgramHashes.filter((h) => !prev?.seen.has(h));
      const adds = m.kgramHashes.length === 0 || fresh.length > 0 ? covered : 0;
      if (adds === 0) continue;
      // a pair let go for MAX_CHUNK_KEYS: what the summary kept of it still counts
      const before = prev ?? s.chunksLetGo.get(key);
      const total = before.chars + adds;
      const calls = before.calls + 1;
      commits.push(() => {
        const c = s.chunk(key);
        c.chars += adds;
        c.calls++;
        for (const h of fresh) if (c.seen.size < MAX_CHUNK_SEEN) c.seen.add(h);
      });
      if (risky.has(id) || calls < 2 || total < CHUNK_MIN_TOTAL) continue;
      const what = `${total} characters of ${sens ? `${o.sensitive.join(', ')} content` : 'data'}, sent in ${calls} pieces`;
      const how =
        `each call carried a small part of the same output to ${destKey}; together they add up` +
        (prev === undefined && before.calls > 0
          ? ` (the earlier pieces counted from the summary of what was sent, past the ${MAX_CHUNK_KEYS} outputs and sites the guard keeps)`
          : '');
      if (sens) {
        findings.push({
          action: external ? pol.sensitiveToExternal : pol.sensitiveToUnknown,
          risk: external ? 'critical' : 'high',
          flowType: 'internal_to_external',
          what,
          origin: o,
          how,
          rule: 'chunked_sensitive',
        });
      } else {
        const [action] = coverageAction(this.cfg.policy, kind);
        findings.push({ action, risk: kind === 'external' ? 'high' : 'medium', flowType: 'internal_to_external', what, origin: o, how, rule: 'chunked' });
      }
      risky.add(id);
    }

    // 4a. a secret sent in pieces: which of its chars went out, over all calls of the session
    for (const [sid, { hit, ranges }] of frags) {
      const len = hit.length;
      const st = s.secretsSent.get(sid);
      const mine = new Uint8Array(len);
      let piece = 0;
      for (const [a, b] of ranges) {
        for (let i = Math.max(0, a); i < Math.min(len, b); i++) {
          if (mine[i] === 0) {
            mine[i] = 1;
            piece++;
          }
        }
      }
      if (piece < SPLIT_MIN_PIECE) continue;
      let total = 0;
      for (let i = 0; i < len; i++) if (mine[i] === 1 || (st && st.mask[i] === 1)) total++;
      const calls = (st?.calls ?? 0) + 1;
      commits.push(() => {
        const x = s.secretSent(sid, len);
        for (let i = 0; i < len; i++) if (mine[i] === 1) x.mask[i] = 1;
        x.calls++;
      });
      const need = Math.ceil(SPLIT_MIN_FRACTION * len);
      if (total < need) {
        // pieces of it went out before and were let go for the bound: what this one adds up to is not known
        const o0 = s.secretLetGo(sid) ? s.origins.get(hit.originId) : undefined;
        if (s.secretLetGo(sid))
          findings.push({
            action: 'ask',
            risk: 'high',
            flowType: 'internal_to_external',
            what: `${piece} of the ${len} characters of ${article(hit.label)}, pieces of which this session sent before`,
            ...(o0 ? { origin: o0 } : {}),
            how: `the guard cannot add this piece up with those: it keeps what went out of ${MAX_SECRETS_SENT} secrets at most and let this one go`,
            rule: 'split_limit',
          });
        continue;
      }
      const o = s.origins.get(hit.originId);
      const wholeFound = o !== undefined && (seen.get(o.id)?.m.sensitiveLabels.includes(hit.label) ?? false);
      if (wholeFound) continue; // the whole secret is in this call: reported above
      if (calls < 2 && piece < need) continue;
      const what =
        calls >= 2
          ? `${article(hit.label)}, sent in ${calls} pieces (${total} of its ${len} characters so far)`
          : `${total} of the ${len} characters of ${article(hit.label)}`;
      findings.push({
        action: external ? pol.sensitiveToExternal : pol.sensitiveToUnknown,
        risk: external ? 'critical' : 'high',
        flowType: 'internal_to_external',
        what,
        ...(o ? { origin: o } : {}),
        how: calls >= 2 ? 'the pieces were sent over several calls of this session' : 'most of the secret is in this call',
        rule: 'split_secret',
      });
    }
    // a secret read that the fragment table's bound left out: a piece of it is not recognised, so any
    // text that could hold one (a run of letters and digits as long as the shortest piece counted) is asked about
    const cut = s.index.fragCut;
    if (cut !== undefined && !findings.some((f) => SENSITIVE_RULES.has(f.rule)) && vs.some((v) => PIECE_RE.test(v.text)))
      findings.push({
        action: 'ask',
        risk: 'high',
        flowType: 'internal_to_external',
        what: 'text that may hold a piece of a secret this session read',
        how: `the guard cannot recognise pieces of every secret the session read: it read ${cut}`,
        rule: 'split_limit',
      });
  }

  /**
   * A hybrid server's write tool aimed at a repository that is not this session's project (its
   * name differs from the working directory's and it is not a remote added in the session): data
   * does not "already live there", so the call is treated as plainly external. Null when the input
   * names no repository or names the project's own.
   */
  private foreignRepository(input: Record<string, unknown>, ev: HookEvent, s: Session): string | null {
    const str = (k: string): string | undefined => (typeof input[k] === 'string' && (input[k] as string).length > 0 ? (input[k] as string) : undefined);
    const repo = str('repo') ?? str('repository') ?? str('repo_name');
    if (!repo) return null;
    const name =
      repo
        .replace(/\.git$/, '')
        .split('/')
        .pop()
        ?.toLowerCase() ?? '';
    const cwd = typeof ev.cwd === 'string' ? baseName(ev.cwd).toLowerCase() : '';
    if (name && name === cwd) return null;
    for (const url of s.remotes.values())
      if (
        url
          .replace(/\.git$/, '')
          .toLowerCase()
          .endsWith('/' + name)
      )
        return null;
    const owner = str('owner') ?? str('org') ?? str('namespace');
    return owner ? `${owner}/${repo}` : repo;
  }

  /**
   * 4d. A secret spread over separate calls to one site: the small varying parts this call sends
   * (a query value, a path segment, a host label), joined to the recent parts of the same slot sent
   * there before, carry a secret the session read (denied, like the one-call url-sequence) or one
   * found by pattern only (asked about).
   */
  private spreadFindings(
    s: Session,
    payload: string,
    fields: readonly string[],
    destKey: string,
    kind: DestKind,
    findings: Finding[],
    commits: Commit[],
  ): void {
    const parts = callParts(payload, fields, destKey);
    if (parts.length === 0) return;
    commits.push(() => s.spread.note(parts));
    if (findings.some((f) => f.rule === 'sensitive_to_external' || f.rule === 'split_secret')) return;
    const pol = this.cfg.policy;
    const external = kind !== 'unknown';
    // past the bound of what it keeps of the parts let go (or unread after a restart), the book cannot
    // join this call's parts to what was sent before: a piece completing a secret would pass unseen
    if (s.spread.overflowed && kind !== 'hybrid') {
      findings.push({
        action: 'ask',
        risk: 'high',
        flowType: 'internal_to_external',
        what: `small parts (a query value, a path segment, a host label, a short field) the guard can no longer join to the parts sent before them: ${
          s.spread.unreadable
            ? "the parts this session sent before the guard's sidecar restarted could not be read back"
            : `this session sent more small parts than the guard keeps (${MAX_TOTAL_PARTS} parts per session, and the last ${LET_GO_CHARS} characters of ${MAX_LET_GO_SLOTS} slots whose parts were let go)`
        }`,
        how: 'a secret sent a few characters per call would be completed unseen; the user can confirm the call if it carries no such piece, or start a new session for unrelated work',
        rule: 'spread_limit',
      });
    }
    let asked: Finding | undefined;
    for (const st of s.spread.streams(parts)) {
      const texts = streamTexts(st);
      if (!texts) continue;
      const where = `spread over ${st.calls} calls to ${st.site} (${st.parts.length} parts in ${st.slot}${st.parts.length >= MAX_SPREAD_PARTS ? `, the newest ${MAX_SPREAD_PARTS} kept` : ''}${st.letGo ? `, the first ${st.letGo} of them kept after the ${MAX_TOTAL_PARTS} parts per session let them go` : ''})`;
      for (const t of texts) {
        for (const v of views(t)) {
          // low-entropy values do not add up across calls (as in the split-secret rule: `aaaa`, `bbbb`
          // are typed every day); digits stay (a card number, a digit per call)
          if (shannonEntropy(v.text) < FRAGMENT_MIN_ENTROPY && !/^\d+$/.test(v.text)) continue;
          const hit = s.index.matchAll(v.text).origins.find((m) => m.sensitiveLabels.length > 0 && s.origins.get(m.originId)?.cls !== 'external');
          if (hit) {
            const o = s.origins.get(hit.originId);
            findings.push({
              action: external ? pol.sensitiveToExternal : pol.sensitiveToUnknown,
              risk: external ? 'critical' : 'high',
              flowType: 'internal_to_external',
              what: article(hit.sensitiveLabels.join(' and ')),
              ...(o ? { origin: o } : {}),
              how: `the secret was ${where}, a few characters per call${v.via.length ? `, after ${v.via.join(' then ')} decoding` : ''} (a sequence across calls)`,
              decoded: true,
              labels: hit.sensitiveLabels,
              rule: external ? 'sensitive_to_external' : 'sensitive_to_unknown',
            });
            return;
          }
          if (asked || /^\d+$/.test(t)) continue;
          const secrets = scanText(v.text).filter((f) => f.severity !== 'medium');
          if (secrets.length === 0) continue;
          const labels = uniq(secrets.map((f) => f.label));
          asked = {
            action: ACTION_RANK[pol.secretToExternal] < ACTION_RANK.ask ? pol.secretToExternal : 'ask',
            risk: 'high',
            flowType: 'internal_to_external',
            labels,
            what: article(labels.join(' and ')),
            how: `found by pattern in what was ${where}; no tool of this session returned it`,
            decoded: true,
            rule: 'secret_to_external',
          };
        }
      }
    }
    if (asked && !findings.some((f) => f.rule === 'secret_to_external')) findings.push(asked);
  }

  // ---------------------------------------------------------------- 2: secrets by pattern
  private secretFindings(vs: View[], findings: Finding[], explained?: Set<string>): void {
    if (findings.some((f) => f.rule === 'sensitive_to_external')) return;
    for (const v of vs) {
      const secrets = scanText(v.text).filter((f) => f.severity !== 'medium' && !(explained?.has(f.label) ?? false));
      if (secrets.length) {
        findings.push({
          action: this.cfg.policy.secretToExternal,
          risk: 'critical',
          flowType: 'internal_to_external',
          labels: uniq(secrets.map((f) => f.label)),
          what: article(uniq(secrets.map((f) => f.label)).join(' and ')),
          how: v.via.length ? `after ${v.via.join(' then ')} decoding` : 'found by pattern; no tool of this session returned it',
          rule: 'secret_to_external',
        });
        return;
      }
    }
  }

  /**
   * The prompt of a WebFetch goes to the model that summarises the page, not to the site, so it is
   * not a way out and ordinary internal data in it is fine. Secrets and sensitive data are another
   * matter: no task needs them in a fetch of an outside page, and putting them there is what an
   * injected instruction asks for ("include the config for the page owner"). Only those count.
   */
  private fetchPromptFindings(s: Session, prompt: string, kind: DestKind, destKey: string, findings: Finding[], commits: Commit[]): void {
    const found: Finding[] = [];
    const vs = views(prompt);
    // pieces of a secret in prompts add up like pieces anywhere else (a secret split over two prompts)
    this.contentFindings(s, vs, kind, destKey, found, commits);
    this.secretFindings(vs, found);
    const f = found.find((x) => x.risk === 'critical' && SENSITIVE_RULES.has(x.rule));
    if (f) {
      findings.push({
        ...f,
        action: this.cfg.policy.sensitiveInFetchPrompt,
        how: `${f.how ? f.how + '; ' : ''}the prompt goes to the model that reads the page, not to the site, but secrets have no place in a fetch of an outside page: that is what an injected instruction asks for`,
        rule: 'sensitive_in_fetch_prompt',
      });
      return;
    }
    // ordinary internal data, but encoded: quoting code in a question is work, hex-dumping it is not
    const e = found.find((x) => x.decoded === true && x.origin !== undefined);
    if (e) {
      findings.push({
        ...e,
        action: this.cfg.policy.internalToExternal,
        risk: 'high',
        how: `${e.how}; data quoted in a question is plain text, encoding it hides it from whoever reads the prompt, which is what an injected instruction does`,
        rule: 'encoded_in_fetch_prompt',
      });
    }
  }

  // ---------------------------------------------------------------- 3: what an egress command reads and sends
  private commandFindings(s: Session, ev: HookEvent, bash: BashAnalysis, _command: string, findings: Finding[]): void {
    const pol = this.cfg.policy;
    const sends = bash.egressCommands.join(', ');
    let found = false;
    const listed = this.listedReads(s, ev, bash);
    // a sensitive file, by its path
    for (const p of uniq([...bash.uploadPaths, ...bash.readPaths, ...listed])) {
      const sp = sensitivePath(p, this.opts.home);
      if (sp) {
        findings.push({
          action: pol.sensitiveToExternal,
          risk: 'critical',
          flowType: 'internal_to_external',
          what: `the contents of ${p} (${sp.label})`,
          how: `the command reads ${p} and sends data with ${sends}`,
          rule: 'read_and_send',
        });
        found = true;
        break;
      }
    }
    // a file that holds internal data (written from an origin, copied from a sensitive file, read earlier)
    if (!found) {
      let best: [string, Taint] | undefined;
      for (const p of uniq([...bash.uploadPaths, ...bash.readPaths, ...listed])) {
        const a = this.abs(p, ev);
        const t = a ? s.taintOf(a) : undefined;
        if (t && (!best || (t.sensitive.length > 0 && best[1].sensitive.length === 0))) best = [p, t];
      }
      if (best) {
        const [p, t] = best;
        findings.push(this.taintedFileFinding(p, t, `the command sends it with ${sends}`));
        found = true;
      }
    }
    // the environment (printenv, env, set) piped or substituted into the egress command
    if (bash.envSent) {
      findings.push({
        action: pol.sensitiveToExternal,
        risk: 'critical',
        flowType: 'internal_to_external',
        what: 'the environment (every variable, API keys and tokens included)',
        how: `the command dumps the environment and sends data with ${sends}`,
        rule: 'environment_to_external',
      });
      found = true;
    }
    // any other local file the command sends
    if (!found) {
      // a file this very command writes (a heredoc of the request body) holds the command's own text, checked above
      const written = new Set(bash.writePaths.map((p) => this.abs(p, ev)));
      const files = bash.uploadPaths.filter(
        (p) => p !== '-' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(p) && !isPseudoFile(this.abs(p, ev) ?? p) && !written.has(this.abs(p, ev)),
      );
      if (files.length) {
        findings.push({
          action: pol.internalToExternal,
          risk: 'high',
          flowType: 'internal_to_external',
          what: `the contents of ${files.slice(0, 3).join(', ')}${files.length > 3 ? ` and ${files.length - 3} more` : ''}`,
          how: `the command reads local files and sends them with ${sends}`,
          rule: 'upload_local_file',
        });
      }
    }
    // a push to a git remote added or re-pointed in this session (in this repository, or in this
    // very command), to a URL rewritten or a .git/config edited in this session, or straight to a URL
    for (const push of repoPushes(bash, this.cwdOf(ev), this.opts.home)) {
      const to = pushTarget(s.remotes, push);
      if (to === undefined) continue;
      const repo = push.repo ? ` ${baseName(push.repo)}` : typeof ev.cwd === 'string' ? ` ${baseName(ev.cwd)}` : '';
      findings.push({
        action: pol.internalToExternal,
        risk: 'high',
        flowType: 'internal_to_external',
        what: `the repository${repo} (git push to ${to.direct ? to.url : `${push.remote} → ${to.url}`})`,
        how: to.how,
        rule: 'git_push_new_remote',
      });
      break;
    }
  }

  /**
   * What a `git push` publishes, from the facts the daemon read in the repository (notePushFacts):
   * secrets in what the pushed commits (or the work tree the same command commits) add, files that
   * hold data read this session, CI workflows that send the repository's secrets to an outside host.
   * A push whose repository could not be read within its bounds is asked about. 'none' when no facts
   * were given (the engine without a daemon), 'absent' when no push had a repository to read here.
   */
  private pushFindings(s: Session, ev: HookEvent, bash: BashAnalysis, findings: Finding[]): 'read' | 'absent' | 'none' {
    const all = this.pushFacts.get(ev);
    if (!all || all.every((f) => f.absent)) {
      // no repository to read: what this session itself wrote is still known. A CI workflow it wrote
      // that sends secrets out is meant to be committed (unlike a .env, which is usually ignored)
      // (what the command commits is the same for every push of it: worked out once, not once a push,
      // which was quadratic in a command of thousands of `git push`)
      const commitAll = bash.git.some((g) => g.subcommand === 'commit' && g.args.some((a) => /^-[a-zA-Z]*a[a-zA-Z]*$/.test(a) || a === '--all'));
      const added = bash.git
        .filter((g) => g.subcommand === 'add')
        .flatMap((g) => g.args.filter((a) => !a.startsWith('-') && a !== '.' && a !== ':/' && a !== '*'));
      const addedIn = new Map<string, string[]>();
      for (const p of repoPushes(bash, this.cwdOf(ev), this.opts.home)) {
        for (const t of s.taints.values()) {
          const ci = t.sensitive.find((l) => l.startsWith(CI_SECRETS_LABEL));
          if (!ci || !(p.repo === '' || t.path.startsWith(p.repo.endsWith('/') ? p.repo : p.repo + '/'))) continue;
          findings.push({
            action: this.cfg.policy.sensitiveToExternal,
            risk: 'critical',
            flowType: 'internal_to_external',
            what: `a CI workflow (${t.path}) that ${ci.replace(/^CI workflow that /, '')}`,
            source: { label: t.source, at: t.sourceAt },
            how: `it was written by ${t.by} in this session; the push to ${p.remote} publishes it, and it runs with the repository's secrets on the next CI run`,
            rule: 'push_ci_secrets',
          });
          return all ? 'absent' : 'none';
        }
        // a file of this repository that holds private data and that this very command commits: an
        // edited (so tracked) file under `git commit -a`, or a path it `git add`s by name
        let addedAbs = addedIn.get(p.repo);
        if (addedAbs === undefined) {
          addedAbs = added.map((a) => resolvePath(a, p.repo || undefined, this.opts.home)).filter((a): a is string => a !== null);
          addedIn.set(p.repo, addedAbs);
        }
        for (const t of s.taints.values()) {
          if (projectOnly(t) || !p.repo || !t.path.startsWith(p.repo + '/')) continue;
          const named = addedAbs.some((a) => t.path === a || t.path.startsWith(a + '/'));
          const edited = commitAll && (t.by === 'Edit' || t.by === 'MultiEdit' || t.by === 'NotebookEdit');
          if (!named && !edited) continue;
          const sens = t.sensitive.length > 0;
          findings.push({
            action: sens ? this.cfg.policy.sensitiveToExternal : this.cfg.policy.internalToExternal,
            risk: sens ? 'critical' : 'high',
            flowType: 'internal_to_external',
            what: `${t.path}${sens ? ` (${t.sensitive.join(', ')})` : ''}`,
            source: { label: t.source, at: t.sourceAt },
            how: `${t.path} holds data ${t.source} returned (written by ${t.by}); this command commits it${named ? ' (git add)' : ' (git commit -a)'} and the push to ${p.remote} publishes it`,
            rule: sens ? 'push_tainted_sensitive' : 'push_tainted',
          });
          return all ? 'absent' : 'none';
        }
      }
      return all ? 'absent' : 'none';
    }
    const pol = this.cfg.policy;
    const trusted = this.cfg.policy.trustedHosts;
    for (const f of all) {
      const where = `${f.remote}${f.commits ? ` (${f.commits} commit${f.commits === 1 ? '' : 's'})` : ''}`;
      if (f.error) {
        findings.push({
          action: 'ask',
          risk: 'high',
          flowType: 'internal_to_external',
          what: `commits whose contents could not be checked (${f.error})`,
          how: `the push to ${f.remote} was not inspected, so it is not allowed as harmless`,
          rule: 'push_unchecked',
        });
        continue;
      }
      for (const file of f.files) {
        const labels = fileSecrets(file);
        if (labels.length) {
          findings.push({
            action: pol.sensitiveToExternal,
            risk: 'critical',
            flowType: 'internal_to_external',
            what: `${article(labels.join(' and '))} in ${file.path}`,
            how: `the push to ${where} publishes ${file.path}, which holds it`,
            rule: 'push_secret',
          });
          continue;
        }
        if (isCiFile(file.path)) {
          const hosts = ciSecretHosts(file.added, (h) => isLoopback(h) || matchDomainList(h, trusted) !== undefined);
          if (hosts.length) {
            findings.push({
              action: pol.sensitiveToExternal,
              risk: 'critical',
              flowType: 'internal_to_external',
              what: `a CI workflow (${file.path}) that sends the repository's secrets to ${hosts.slice(0, 3).join(', ')}`,
              how: `the push to ${where} publishes it; it runs with the repository's secrets on the next CI run`,
              rule: 'push_ci_secrets',
            });
            continue;
          }
        }
        const abs = resolvePath(file.path, f.repo, this.opts.home);
        const t = abs ? s.taintOf(abs) : undefined;
        // a file let go for the bound of the taints kept: what it held is not known
        if (t?.letGo) {
          findings.push({
            action: 'ask',
            risk: 'high',
            flowType: 'internal_to_external',
            what: `${file.path}, ${t.source}`,
            how: `the push to ${where} publishes it; the user can confirm the push if the file holds none of the session's data`,
            rule: 'taint_limit',
          });
          continue;
        }
        // a project file edited from what the agent read of the project is ordinary work; a file that
        // holds sensitive data, or data from a private service (a database, chat or mail MCP server), is not
        if (t && !projectOnly(t)) {
          const sens = t.sensitive.length > 0;
          findings.push({
            action: sens ? pol.sensitiveToExternal : pol.internalToExternal,
            risk: sens ? 'critical' : 'high',
            flowType: 'internal_to_external',
            what: `${file.path}${sens ? ` (${t.sensitive.join(', ')})` : ''}`,
            source: { label: t.source, at: t.sourceAt },
            how: `the push to ${where} publishes ${file.path}, which holds data ${t.by.startsWith('read by') ? `${t.source} returned` : `written by ${t.by}`}`,
            rule: sens ? 'push_tainted_sensitive' : 'push_tainted',
          });
        }
      }
    }
    return all.every((f) => f.absent) ? 'absent' : 'read';
  }

  /** Facts the daemon read for a PreToolUse's pushes (daemon/git-objects.ts); kept only while that event is decided. */
  private readonly pushFacts = new WeakMap<HookEvent, PushFacts[]>();

  /** Give the engine what the pushes of this event would publish, before it is decided. */
  notePushFacts(ev: HookEvent, facts: PushFacts[]): void {
    this.pushFacts.set(ev, facts);
  }

  /** A tool that sends local files (Artifact publish, Projects local_path): sensitive or tainted ones. */
  private uploadFindings(s: Session, ev: HookEvent, tool: string, paths: string[], findings: Finding[]): void {
    const pol = this.cfg.policy;
    for (const p of paths) {
      const sp = sensitivePath(p, this.opts.home);
      if (sp) {
        findings.push({
          action: pol.sensitiveToExternal,
          risk: 'critical',
          flowType: 'internal_to_external',
          what: `the contents of ${p} (${sp.label})`,
          how: `${tool} uploads ${p}`,
          rule: 'read_and_send',
        });
        return;
      }
    }
    for (const p of paths) {
      const a = this.abs(p, ev);
      const t = a ? s.taintOf(a) : undefined;
      if (!t) continue;
      findings.push(this.taintedFileFinding(p, t, `${tool} uploads it`));
      return;
    }
  }

  /**
   * A SQL write that copies credentials (a secret, token, password or key column, whole rows of a
   * credential table) into a place that is not a credential store (a ticket's subject, a message, a
   * note): sql.ts. The secret never appears in the call, the database copies it, and whoever reads
   * that place (the ticket's author, a shared workspace) gets it. Looked at in the query inputs of MCP
   * tools and in Bash commands that run a database client. Secrets leaving: policy.sensitiveToExternal.
   */
  private sqlCopyFindings(s: Session, tool: string, tc: ToolClass, input: Record<string, unknown>, bash: BashAnalysis | undefined, findings: Finding[]): void {
    const texts: string[] = [];
    if (bash) {
      if (bash.commands.some((c) => DB_CLIENTS.test(c.name)) && typeof input.command === 'string') {
        texts.push(input.command);
        // the client's words as the shell hands them over: SQL in '…' reads as SQL, not as one string literal
        for (const c of bash.commands) if (DB_CLIENTS.test(c.name)) texts.push(c.argv.slice(1).join(' '));
      }
    } else if (tool.startsWith('mcp__')) {
      for (const [k, v] of Object.entries(input)) if (SQL_KEY.test(k)) texts.push(...stringLeaves(v, MAX_SQL_INPUT));
    }
    // a query past what is read (MAX_SQL of one text, MAX_SQL_INPUT of a tool's query field) with a write in the rest
    let unread = false;
    for (const t of texts) {
      const c = sqlCredentialCopies(t)[0];
      if (!c) {
        if (sqlPastBound(t) || (!bash && t.length >= MAX_SQL_INPUT && /\b(update|insert|create|into)\b/i.test(t))) unread = true;
        continue;
      }
      const u = s.untrusted;
      const pol = this.cfg.policy;
      const cols = c.columns[0] === '*' ? 'whole rows' : `the ${c.columns.slice(0, 3).join(', ')} column${c.columns.length > 1 ? 's' : ''}`;
      // a per-tool / per-server override (policy.toolActions, serverActions) decides, as for other flows
      const ov = own(pol.toolActions, tool) ?? (tc.server ? own(pol.serverActions, tc.server) : undefined);
      findings.push({
        action: ov ?? pol.sensitiveToExternal,
        risk: 'critical',
        flowType: 'internal_to_external',
        what: `${cols} of ${c.from} (credentials)`,
        how: `into ${c.into}, where whoever reads it sees them (the database copies the values: they never appear in the call)${u ? `; this session read untrusted content from ${u.label} at ${this.timeOfDay(u.at)}, whose instructions may be steering this call` : ''}`,
        rule: 'credentials_copied_by_query',
      });
      return;
    }
    if (unread)
      findings.push({
        action: 'ask',
        risk: 'high',
        flowType: 'internal_to_external',
        what: `a query longer than the ${MAX_SQL / 1024} KB the guard reads for writes that copy credentials (${bash ? 'of a command' : `${MAX_SQL_INPUT / 1024} KB of a query field`}), with a write past it`,
        rule: 'analysis_limit',
      });
  }

  // ---------------------------------------------------------------- 5: the lethal trifecta
  private trifectaFinding(s: Session, ev: HookEvent, bash: BashAnalysis | undefined, findings: Finding[]): void {
    const u = s.untrusted;
    const r = s.sensitiveRead;
    if (!u || !r) return;
    // ordinary work: a plain `git push` to a remote the session did not add
    if (bash && bash.egressCommands.length > 0 && bash.egressCommands.every((c) => c === 'git push')) {
      const pushes = repoPushes(bash, this.cwdOf(ev), this.opts.home);
      if (pushes.length > 0 && pushes.every((p) => pushTarget(s.remotes, p) === undefined)) return;
    }
    findings.push({
      action: this.cfg.policy.lethalTrifecta,
      risk: 'high',
      flowType: 'internal_to_external',
      what: 'data',
      how: `this session read untrusted content from ${u.label} at ${this.timeOfDay(u.at)} and sensitive data from ${r.label} at ${this.timeOfDay(r.at)}; instructions hidden in that content could be steering this call (lethal trifecta), even though none of the data was found in it`,
      rule: 'lethal_trifecta',
    });
  }

  // ---------------------------------------------------------------- taint: files written
  /** Write / Edit / MultiEdit / NotebookEdit: the file holds what is written, tainted if it matches an origin. */
  private writeEffects(s: Session, ev: HookEvent, tool: string, input: Record<string, unknown>, now: number): void {
    const file = typeof input.file_path === 'string' ? input.file_path : typeof input.notebook_path === 'string' ? input.notebook_path : undefined;
    if (!file) return;
    const path = this.abs(file, ev);
    if (!path) return;
    const content = writtenContent(input);
    // the text of what the session writes, for a script it runs later (scripts.ts)
    if (tool === 'Write' && typeof input.content === 'string') s.written.set(path, input.content);
    else if (typeof input.old_string === 'string' && typeof input.new_string === 'string')
      s.written.edit(path, [{ old: input.old_string, new: input.new_string, all: input.replace_all === true }], tool);
    else if (Array.isArray(input.edits))
      s.written.edit(
        path,
        input.edits.map((e) => {
          const x = (e ?? {}) as Record<string, unknown>;
          return {
            old: typeof x.old_string === 'string' ? x.old_string : '',
            new: typeof x.new_string === 'string' ? x.new_string : '',
            all: x.replace_all === true,
          };
        }),
        tool,
      );
    else s.written.changed(path, tool);
    // a script read whole: an Edit applies to its text, anything else lets it go
    if (tool !== 'Write' && typeof input.old_string === 'string' && typeof input.new_string === 'string')
      s.readScripts.edit(path, [{ old: input.old_string, new: input.new_string, all: input.replace_all === true }]);
    else s.readScripts.drop(path);
    // an edit of a repository's .git/config can point its remotes anywhere
    const repo = gitConfigRepo(normDir(path));
    if (repo) for (const c of gitConfigChanges(repo, content)) s.addRemote(c.key, c.url);
    // a CI workflow that sends the repository's secrets out: remembered, so that pushing it is stopped
    // even where the repository cannot be read (its content is here, in the write)
    if (content && isCiFile(path)) {
      const hosts = ciSecretHosts(content, (h) => isLoopback(h) || matchDomainList(h, this.cfg.policy.trustedHosts) !== undefined);
      if (hosts.length) {
        s.taint({ path, source: `${tool}(${path})`, sourceAt: now, sensitive: [`${CI_SECRETS_LABEL} ${hosts.slice(0, 3).join(', ')}`], by: tool, at: now });
        return;
      }
    }
    const src = content ? strongestSource(s, content) : undefined;
    // an edit keeps the rest of the file: what it held (sensitive data) is not replaced by a weaker source
    const kept = tool === 'Write' ? undefined : s.taints.get(path);
    if (src && !(kept && kept.sensitive.length > 0 && src.sensitive.length === 0)) {
      s.taint({ path, source: src.label, sourceAt: src.at, sensitive: src.sensitive, by: tool, at: now });
    } else if (tool === 'Write') {
      // the whole file is replaced by content that holds none of our data
      s.taints.delete(path);
    }
  }

  /**
   * A file whose content this output shows, when that content is a list of paths (an inventory
   * written by `find … > f` and shown by `cat f`, or read with Read): remembered, so that a later
   * `cat $(cat f)`, `xargs cat < f` or `tar -T f` is known to read the files it lists.
   */
  private noteFileList(s: Session, ev: HookEvent, tool: string, input: Record<string, unknown>, bash: BashAnalysis | undefined): void {
    const r = ev.tool_response as { file?: { content?: unknown }; stdout?: unknown } | undefined;
    let file: string | undefined;
    let text: unknown;
    if (FILE_READERS.has(tool) && typeof input.file_path === 'string') {
      file = input.file_path;
      text = r?.file?.content;
    } else if (bash && typeof input.command === 'string') {
      // the command ends by printing one file (`… > f; cat f`): its stdout is that file's content
      const last = bash.segments[bash.segments.length - 1];
      const f = last?.length === 2 && last[0] === 'cat' && !(last[1] as string).startsWith('-') ? (last[1] as string) : undefined;
      if (f && new RegExp(`\\bcat\\s+(['"]?)${escapeRe(f)}\\1\\s*$`).test(input.command.trim())) {
        file = f;
        text = r?.stdout;
      }
    }
    if (!file || typeof text !== 'string' || text.length === 0 || text.length > MAX_LIST_TEXT) return;
    const abs = this.abs(file, ev);
    if (!abs) return;
    const paths = listedPaths(text);
    if (paths) s.noteFileList(abs, paths);
    else if (s.fileLists.delete(abs)) s.dirty = true;
  }

  /** The files a command reads through lists of paths the session saw (`cat $(cat f)`, `xargs cat < f`), absolute. */
  private listedReads(s: Session, ev: HookEvent, bash: BashAnalysis): string[] {
    if (bash.listFiles.length === 0 || s.fileLists.size === 0) return [];
    const out: string[] = [];
    for (const f of bash.listFiles) {
      const a = this.abs(f, ev);
      const listed = a ? s.fileLists.get(a) : undefined;
      if (!listed) continue;
      for (const p of listed) {
        const x = this.abs(p, ev);
        if (x) out.push(x);
      }
    }
    return uniq(out);
  }

  /** The texts this command writes whole into files (`cat > x.sh <<EOF`), by absolute path: a run of one in the same command is judged with it. */
  private ownTexts(ev: HookEvent, bash: BashAnalysis): Map<string, string> {
    const out = new Map<string, string>();
    for (const f of bash.fileTexts) {
      if (f.text === null || f.append) continue;
      const a = this.abs(f.path, ev);
      if (a) out.set(a, f.text);
    }
    return out;
  }

  /**
   * The text of a file the session wrote after this command's in-place edits of it (sed -i, dos2unix),
   * when every command that names it is one of those, or one that does not write its operands.
   */
  private editedInPlace(s: Session, ev: HookEvent, bash: BashAnalysis, w: string): string | null {
    const cur = s.written.get(w);
    if (cur === undefined || !('text' in cur)) return null;
    const names = (c: { argv: string[] }): boolean => c.argv.slice(1).some((a) => this.abs(a, ev) === w);
    let text: string | null = cur.text;
    let edits = 0;
    for (const c of bash.commands) {
      if (!names(c) || NOT_WRITERS.has(c.name)) continue;
      text = editedText(c, (p) => this.abs(p, ev) === w, text);
      if (text === null) return null;
      edits++;
    }
    return edits > 0 ? text : null;
  }

  /** Read: a script returned whole (from its first line to its last) is kept (settings-effect.ts ReadScripts). */
  private noteReadScript(s: Session, ev: HookEvent, input: Record<string, unknown>): void {
    const f = (ev.tool_response as { file?: { content?: unknown; startLine?: unknown; numLines?: unknown; totalLines?: unknown } } | undefined)?.file;
    const p = typeof input.file_path === 'string' ? this.abs(input.file_path, ev) : null;
    if (!p || !f || typeof f.content !== 'string') return;
    if (f.startLine === 1 && typeof f.numLines === 'number' && f.numLines === f.totalLines) s.readScripts.read(p, f.content);
  }

  /** The text of a file the session wrote, or else read whole as a script, by absolute path (a written one it cannot read: unknown). */
  private knownText(s: Session, p: string): string | undefined {
    const w = s.written.get(p);
    if (w !== undefined) return 'text' in w ? w.text : undefined;
    return s.readScripts.get(p);
  }

  /**
   * Bash: files written from sensitive or tainted files, from the environment, or from matched content in the command.
   * `carries`: the command runs scripts the session wrote, inlined into `command`; what their texts hold is
   * their files' taints (taken when each was written: data recorded later cannot be in them), so only the
   * rest of the command (`carries.text`) is matched against the session's data.
   */
  private bashEffects(s: Session, ev: HookEvent, bash: BashAnalysis, command: string, now: number, carries?: Carried): void {
    noteRemotes((key, url) => s.addRemote(key, url), repoRemotes(bash, this.cwdOf(ev), this.opts.home));
    // `find ~ -name id_rsa > f`: f lists those files (as patterns, until the session sees its content)
    for (const [f, patterns] of bash.listsWritten) {
      const a = this.abs(f, ev);
      if (a && !isPseudoFile(a)) s.noteFileList(a, patterns);
    }
    const writes = bash.writePaths.map((p) => this.abs(p, ev)).filter((p): p is string => p !== null && !isPseudoFile(p));
    if (writes.length === 0) return;
    // what the command writes into files, when it says what (`cat > x.sh <<EOF`): kept for a script run
    // later; `cp a b` / `mv a b` of a file the session wrote carries what the guard knows of it along
    const copied = new Set<string>();
    // scripts read whole (for hooks added to the settings): a copy holds the same text, any other write lets it go
    const readCopies = new Set<string>();
    // what a copy or move writes holds what its source held, never a program's output
    const copyTargets = new Set<string>();
    for (const c of fileCopies(bash, (p) => this.abs(p, ev))) {
      for (const to of c.to) copyTargets.add(to);
      for (const to of c.to) {
        s.readScripts.copy(c.from, to);
        readCopies.add(to);
      }
      if (!s.written.has(c.from)) continue;
      for (const to of c.to) {
        s.written.copy(c.from, to);
        copied.add(to);
      }
    }
    for (const w of writes) if (!readCopies.has(w)) s.readScripts.drop(w);
    const writer = `a command (${uniq(bash.commands.map((c) => c.name))
      .slice(0, 3)
      .join(', ')})`;
    for (const w of writes) {
      if (copied.has(w)) continue;
      const texts = bash.fileTexts.filter((f) => this.abs(f.path, ev) === w);
      const whole = texts.length === 1 && texts[0]!.only && texts[0]!.text !== null ? texts[0]! : undefined;
      if (whole && !whole.append) s.written.set(w, whole.text as string);
      else if (whole?.append) s.written.append(w, whole.text as string);
      else {
        // `sed -i 's/\r$//' x.sh`, `dos2unix x.sh`: what an in-place edit makes of a known text is known
        const edited = texts.length === 0 ? this.editedInPlace(s, ev, bash, w) : null;
        if (edited !== null) s.written.set(w, edited);
        else if (copyTargets.has(w)) s.written.changed(w, writer);
        else s.written.produced(w, writer);
      }
    }
    // `echo '[remote "x"] url = …' >> .git/config`, `sed -i … .git/config`: where its pushes go is changed
    for (const w of writes) {
      const repo = gitConfigRepo(normDir(w));
      if (!repo) continue;
      const changes = gitConfigChanges(repo, command);
      for (const c of changes.length ? changes : gitConfigChanges(repo, undefined)) s.addRemote(c.key, c.url);
    }
    let src: { label: string; at: number; sensitive: string[] } | undefined;
    for (const p of [...bash.readPaths, ...this.listedReads(s, ev, bash)]) {
      const sp = sensitivePath(p, this.opts.home);
      if (sp) {
        src = { label: `${p} (${sp.label})`, at: now, sensitive: [sp.label] };
        break;
      }
      const a = this.abs(p, ev);
      const t = a ? s.taintOf(a) : undefined;
      if (t && (!src || (t.sensitive.length > 0 && src.sensitive.length === 0))) src = { label: t.source, at: t.sourceAt, sensitive: t.sensitive };
    }
    if ((!src || src.sensitive.length === 0) && bash.envDump) src = { label: 'the environment', at: now, sensitive: [ENV_LABEL] };
    let matched = command;
    if (carries && (!src || src.sensitive.length === 0)) {
      // a taint let go (or past what is remembered) says nothing of the script's text: the whole command is matched
      const taints = carries.scripts.map((p) => s.taintOf(p));
      if (!taints.some((t) => t?.letGo)) {
        matched = carries.text;
        for (const t of taints)
          if (t && (!src || (t.sensitive.length > 0 && src.sensitive.length === 0))) src = { label: t.source, at: t.sourceAt, sensitive: t.sensitive };
      }
    }
    if (!src || src.sensitive.length === 0) {
      // `echo <data> > f`, `printf … > f`, a heredoc: the data is in the command itself
      const m = strongestSource(s, matched);
      if (m && (!src || m.sensitive.length > 0)) src = m;
    }
    if (!src) return;
    // named by the command as written (not with the scripts it runs inlined)
    const as = (ev.tool_input as Record<string, unknown> | undefined)?.command;
    const by = `Bash(${truncate(redact(typeof as === 'string' ? as : command), 60)})`;
    for (const w of writes) s.taint({ path: w, source: src.label, sourceAt: src.at, sensitive: [...src.sensitive], by, at: now });
  }

  /** The built-in and the user's suspicious endpoints, one array (kept while the config's are the same). */
  private suspiciousList(): readonly string[] {
    const { suspiciousEndpoints: a, extraSuspiciousEndpoints: b } = this.cfg.policy;
    const c = this.suspicious;
    if (c && c.a === a && c.b === b) return c.list;
    this.suspicious = { a, b, list: [...a, ...b] };
    return this.suspicious.list;
  }
  private suspicious: { a: readonly string[]; b: readonly string[]; list: readonly string[] } | undefined;

  private destination(
    tc: ToolClass,
    tool: string,
    input: Record<string, unknown>,
    bash: BashAnalysis | undefined,
    hosts: string[],
  ): { cls: Classification; hosts: string[] } {
    const trusted = this.cfg.policy.trustedHosts;
    const outside = (hs: string[]): string[] => hs.filter((h) => !isLoopback(h) && !matchDomainList(h, trusted));
    if (bash) {
      if (!bash.egress) return { cls: 'internal', hosts: [] };
      const hs = uniq(bash.hosts);
      const out = outside(hs);
      // egress with hosts that are all loopback or trusted stays inside; egress with no visible host does not
      if (hs.length > 0 && out.length === 0) return { cls: 'internal', hosts: hs };
      return { cls: 'external', hosts: out.length ? out : hs };
    }
    if (tool === 'WebFetch' && typeof input.url === 'string') {
      const h = hostOfUrl(input.url);
      if (h && outside([h]).length === 0) return { cls: 'internal', hosts: [h] };
      return { cls: 'external', hosts: h ? [h] : [] };
    }
    if (tc.destination === 'hybrid') return { cls: 'external', hosts: outside(hosts) };
    return { cls: tc.destination, hosts: tc.destination === 'internal' ? [] : outside(hosts) };
  }

  /** Close idle sessions; their summaries are in tracker.drainClosed(). */
  /** A file that holds data of this session about to leave: how it got there, and `sent` (how it leaves). */
  private taintedFileFinding(p: string, t: Taint, sent: string): Finding {
    const pol = this.cfg.policy;
    // a file let go for the bound of the taints kept: what it held is not known, so it is asked about
    if (t.letGo)
      return {
        action: 'ask',
        risk: 'high',
        flowType: 'internal_to_external',
        what: `the contents of ${p}, ${t.source}`,
        how: `${sent}; the user can confirm the call if the file holds none of the session's data`,
        rule: 'taint_limit',
      };
    const sens = t.sensitive.length > 0;
    const held = t.by.startsWith('read by')
      ? `${t.path} is the file ${t.source} returned`
      : `it was written to ${t.path} by ${t.by} at ${this.timeOfDay(t.at)}`;
    return {
      action: sens ? pol.sensitiveToExternal : pol.internalToExternal,
      risk: sens ? 'critical' : 'high',
      flowType: 'internal_to_external',
      what: `the contents of ${p}${sens ? ` (${t.sensitive.join(', ')})` : ''}`,
      source: { label: t.source, at: t.sourceAt },
      how: `${held}; ${sent}`,
      rule: sens ? 'tainted_file_sensitive' : 'tainted_file',
    };
  }

  expire(now: number): void {
    this.tracker.expire(now);
  }

  session(id: string): Session | undefined {
    return this.tracker.get(id);
  }
}

// ------------------------------------------------------------------------------------- helpers

const ENV_LABEL = 'Environment variables';

/** Outgoing text looked at for records per call (the raw input and its decoded views, in order). */
const MAX_RECORD_CHARS = 512 * 1024;
/** characters of an MCP tool's query field read for SQL writes that copy credentials */
const MAX_SQL_INPUT = 256 * 1024;
/** characters of a tool input's strings checked for the session's data and secrets (a larger input going out is asked about) */
const MAX_INPUT_CHECKED = 4 * 1024 * 1024;

/** Database clients whose command line carries SQL (`psql -c`, `mysql -e`, `sqlite3 db "…"`). */
const DB_CLIENTS = /^(psql|mysql|mariadb|sqlite3?|duckdb|clickhouse(-client)?|cqlsh|sqlcmd|snowsql|bq|cockroach|turso|usql|pgcli|mycli|litecli)$/;
/** Keys of an MCP tool input that hold SQL (execute_sql's `query`, apply_migration's `query`, `sql`, `statement`). */
const SQL_KEY = /^(query|queries|sql|statements?|command|script|migration)$/i;

/** A file's content longer than this is not taken for a list of paths (an inventory is short). */
const MAX_LIST_TEXT = 256 * 1024;
/** A line that is a path: absolute, from home, relative with a directory, or a bare dotfile / key file name. */
const PATH_LINE = /^(?:~?\/|\.{1,2}\/|[\w@+-][\w.@+-]*\/)[^\0\n]*$|^\.[\w.-]+$|^[\w.-]+\.(?:pem|key|p12|pfx|json|env)$/;

/**
 * The paths a text lists, when it is a list of paths (nearly every non-empty line one), else null.
 * Bounded by MAX_LISTED_PATHS (the session keeps no more).
 */
function listedPaths(text: string): string[] | null {
  const out: string[] = [];
  let lines = 0;
  for (const raw of text.split('\n')) {
    const l = raw.trim();
    if (l.length === 0) continue;
    lines++;
    if (l.length <= 4096 && PATH_LINE.test(l)) {
      if (out.length < MAX_LISTED_PATHS) out.push(l);
    }
  }
  // a listing with a stray header or message line still lists its paths; prose with a path in it does not
  return out.length > 0 && out.length * 10 >= lines * 8 ? out : null;
}
const CARD_LABEL = 'payment card number';

/** scheme://host/path of URLs (not their query or fragment) */
const URL_PART = /\b[a-z][a-z0-9+.-]{1,15}:\/\/[^\s"'`<>()[\]{}\\|^?#]+/gi;

/**
 * Ranges of an outgoing text where shared text does not count as internal data: the
 * scheme://host/path of URLs (a docs link copied from a README) and commit ids / digests (passed
 * around in ordinary work). Secrets, cards, e-mails and random ids inside them still count.
 */
function softRanges(text: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  if (text.includes('://')) for (const m of text.matchAll(URL_PART)) out.push([m.index, m.index + m[0].length]);
  // hex identifiers: commit ids, digests (7-64 lower-case hex chars with a letter and a digit, not
  // inside a longer alphanumeric run). CC: 0 other, 1 digit, 2 a-f, 3 other letter.
  const n = text.length;
  let i = 0;
  while (i < n) {
    let c = text.charCodeAt(i);
    let k = c < 128 ? (CC[c] as number) : 0;
    if (k === 0) {
      i++;
      continue;
    }
    const start = i;
    let mask = 0;
    while (k !== 0) {
      mask |= 1 << k;
      if (++i >= n) break;
      c = text.charCodeAt(i);
      k = c < 128 ? (CC[c] as number) : 0;
    }
    const len = i - start;
    if (mask === 6 && len >= 7 && len <= 64) out.push([start, i]);
  }
  if (out.length < 2) return out;
  out.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [out[0] as [number, number]];
  for (const r of out.slice(1)) {
    const last = merged[merged.length - 1] as [number, number];
    if (r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push(r);
  }
  return merged;
}

/** char class for softRanges: 1 digit, 2 a-f, 3 any other ASCII letter, 0 the rest */
const CC = new Uint8Array(128);
for (let c = 48; c <= 57; c++) CC[c] = 1;
for (let c = 97; c <= 122; c++) CC[c] = c <= 102 ? 2 : 3;
for (let c = 65; c <= 90; c++) CC[c] = 3;

/** Commands that name a file without writing it (for editedInPlace: they do not change what a script holds). */
const NOT_WRITERS = new Set([
  'cat',
  'chmod',
  'chown',
  'ls',
  'head',
  'tail',
  'grep',
  'wc',
  'file',
  'stat',
  'less',
  'diff',
  'git',
  'test',
  '[',
  'echo',
  'bash',
  'sh',
  'zsh',
  'dash',
  'source',
  '.',
  'python',
  'python3',
  'node',
  'shellcheck',
  'bat',
]);

function uniq<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

/** The detector's scan of each text it remembers, one step each (a text scanned already is a lookup). */
function* scanSteps(texts: readonly string[]): Generator<void, void, void> {
  for (const t of texts) {
    if (!scanRemembered(t)) continue;
    yield;
    scanText(t);
  }
}
