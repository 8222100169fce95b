/**
 * Claude Code run by the agent (`claude -p "…"` from a Bash call) starts a session of its own, with
 * the guard's hooks, whose first prompt the agent wrote, not the user. The guard takes the
 * destinations a user's prompt names as the user's choice (provenance `user`); a prompt the agent
 * wrote must not count as one, or an injected agent names its collector in a nested run's prompt and
 * that session sends there as if the user had asked. Nor is the nested session cleaner than the one
 * that started it: what it was told came from an agent that may have read anything.
 *
 * Pure: the Bash analysis gives the launches, the tracker keeps them (bounded) and matches a new
 * session's first prompt against them.
 */
import type { BashAnalysis } from './bash/index.ts';

/** Claude Code's subcommands that start no session of their own. */
const NO_SESSION = new Set([
  'mcp',
  'plugin',
  'plugins',
  'config',
  'doctor',
  'update',
  'install',
  'migrate-installer',
  'setup-token',
  'auth',
  'login',
  'logout',
]);
/** Options that end the run before any session (`claude --version`). */
const NO_RUN = new Set(['-v', '--version', '-h', '--help']);
/** Launches kept at once (the oldest go first; one is used by the first session it matches). */
export const MAX_LAUNCHES = 64;
/** A launch whose prompt text is known matches a session's first prompt this long after it. */
export const TEXT_WINDOW_MS = 30 * 60_000;
/** A launch whose prompt the command line does not show (stdin, a file) matches the next new session this long after it. */
export const BLIND_WINDOW_MS = 10 * 60_000;
/** Words of a launch kept as candidate prompts, and characters of each. */
const MAX_WORDS = 16;
const MAX_WORD = 16 * 1024;

export interface Launch {
  /** the session whose Bash call ran it */
  parent: string;
  at: number;
  /** the command line's words that may be the prompt (trimmed) */
  texts: string[];
  /** the prompt may come from elsewhere: stdin, a file, an expansion (`"$(cat task.txt)"`) */
  blind: boolean;
}

/**
 * The Claude Code runs of a command line that start a session, each with the words that may be its
 * prompt. `npx @anthropic-ai/claude-code …` counts as `claude …`.
 */
export function claudeLaunches(bash: BashAnalysis): Array<{ texts: string[]; blind: boolean }> {
  const out: Array<{ texts: string[]; blind: boolean }> = [];
  for (const c of bash.commands) {
    let args: string[] | undefined;
    if (c.name === 'claude' || c.name === 'claude-code') args = c.argv.slice(1);
    else if ((c.name === 'npx' || c.name === 'bunx' || c.name === 'pnpx') && c.argv.some((a) => /^@anthropic-ai\/claude-code(@|$)/.test(a))) {
      const i = c.argv.findIndex((a) => /^@anthropic-ai\/claude-code(@|$)/.test(a));
      args = c.argv.slice(i + 1);
    }
    if (!args || args.some((a) => NO_RUN.has(a))) continue;
    const words = args.filter((a) => !a.startsWith('-'));
    if (words[0] !== undefined && NO_SESSION.has(words[0])) continue;
    const all = words.map((w) => w.trim()).filter((w) => w.length > 0);
    const texts = all.slice(0, MAX_WORDS).filter((w) => w.length <= MAX_WORD);
    // a prompt the words kept cannot show (past the bounds, or an expansion) makes the launch blind: a
    // bound never lets a nested run's prompt pass for the user's
    const blind = texts.length < all.length || texts.length === 0 || texts.some((w) => /[$`]/.test(w));
    out.push({ texts, blind });
  }
  return out;
}

/** The launches of all sessions, for the first prompt of a new session to be matched against. */
export class NestedLaunches {
  private readonly launches: Launch[] = [];
  /** the newest launch let go for the MAX_LAUNCHES bound */
  private dropped: Launch | undefined;

  add(parent: string, at: number, texts: string[], blind: boolean): void {
    this.launches.push({ parent, at, texts, blind });
    if (this.launches.length > MAX_LAUNCHES) this.dropped = this.launches.shift();
  }

  /**
   * The session that launched the one whose first prompt this is, or undefined. A launch whose words
   * hold the prompt matches it for TEXT_WINDOW_MS; a launch that shows no prompt matches the next new
   * session for BLIND_WINDOW_MS (a session of the user's started then is taken as nested too: its
   * prompts then name no destination of the user's choice, which asks more, never less). A launch is
   * used once. While launches let go for MAX_LAUNCHES are in their window, every new session matches.
   */
  match(sessionId: string, prompt: string, now: number): string | undefined {
    const p = prompt.trim();
    let blind = -1;
    for (let i = this.launches.length - 1; i >= 0; i--) {
      const l = this.launches[i] as Launch;
      if (l.parent === sessionId || now < l.at) continue;
      if (l.texts.includes(p) && now - l.at <= TEXT_WINDOW_MS) {
        this.launches.splice(i, 1);
        return l.parent;
      }
      if (blind < 0 && l.blind && now - l.at <= BLIND_WINDOW_MS) blind = i;
    }
    if (blind >= 0) return this.launches.splice(blind, 1)[0]?.parent;
    // launches were let go for the bound within the window: any of them may be this session's, so a new
    // session then is taken as nested (asks more, never less) rather than as the user's
    const d = this.dropped;
    return d !== undefined && now >= d.at && now - d.at <= TEXT_WINDOW_MS && d.parent !== sessionId ? d.parent : undefined;
  }

  get size(): number {
    return this.launches.length;
  }
}
