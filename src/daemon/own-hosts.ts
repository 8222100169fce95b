/**
 * The user's own hosts, read from ~/.ssh/config and ~/.ssh/known_hosts: the I/O half of the
 * engine's `own` provenance (the engine is pure and gets these as facts). Read when first asked,
 * then again only when a file's modification time changed, checked at most every RECHECK_MS.
 * A missing or unreadable file is no facts (nothing is "own" because of it).
 */
import { createHmac } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { OwnFacts } from '../engine/provenance.ts';

/** How often the files' modification times are looked at again. */
const RECHECK_MS = 30_000;
/** Files larger than this are read only up to it (a known_hosts of thousands of lines is fine). */
const MAX_BYTES = 4 * 1024 * 1024;

export class OwnHosts {
  private facts: OwnFacts | undefined;
  private stamp = '';
  private checkedAt = -Infinity;

  constructor(
    private readonly home: string | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  get(): OwnFacts | undefined {
    if (!this.home) return undefined;
    const t = this.now();
    if (t - this.checkedAt < RECHECK_MS) return this.facts;
    this.checkedAt = t;
    const cfg = join(this.home, '.ssh', 'config');
    const kh = join(this.home, '.ssh', 'known_hosts');
    const stamp = `${mtime(cfg)}|${mtime(kh)}`;
    if (stamp === this.stamp) return this.facts;
    this.stamp = stamp;
    this.facts = parseOwnHosts(readText(cfg), readText(kh));
    return this.facts;
  }
}

function mtime(p: string): number {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return 0; // missing: no facts from it
  }
}

function readText(p: string): string {
  try {
    const b = readFileSync(p);
    return b.subarray(0, MAX_BYTES).toString('utf8');
  } catch {
    return ''; // missing or unreadable: no facts from it
  }
}

/**
 * Shared platforms everyone has in known_hosts or ssh config (to push code): they are where the
 * user's account lives, not the user's own machines, so they never count as own infrastructure.
 */
const SHARED_PLATFORMS =
  /(^|\.)(github\.com|gitlab\.com|bitbucket\.org|dev\.azure\.com|visualstudio\.com|heroku\.com|googlesource\.com|codeberg\.org|sr\.ht|huggingface\.co)$/;

/** Host aliases and HostName values of an ssh config; plain and hashed known_hosts names. Pure. */
export function parseOwnHosts(sshConfig: string, knownHosts: string): OwnFacts {
  const sshHosts = new Set<string>();
  for (const line of sshConfig.split('\n')) {
    const m = /^\s*(hostname|host)(?=[\s=])\s*=?\s*(.+?)\s*$/i.exec(line);
    if (!m) continue;
    for (const h of (m[2] as string).split(/\s+/)) {
      if (!h || /[*?!%]/.test(h) || SHARED_PLATFORMS.test(h.toLowerCase())) continue; // patterns and tokens name no one host
      sshHosts.add(h.toLowerCase());
    }
  }
  const plain = new Set<string>();
  const hashed: Array<[Buffer, string]> = [];
  for (const line of knownHosts.split('\n')) {
    const first = line.trim().split(/\s+/)[0] ?? '';
    if (!first || first.startsWith('#') || first.startsWith('@')) continue;
    if (first.startsWith('|1|')) {
      const [, , salt, hash] = first.split('|');
      if (salt && hash) hashed.push([Buffer.from(salt, 'base64'), hash]);
      continue;
    }
    for (const n of first.split(',')) {
      const h = n.replace(/^\[([^\]]+)\]:\d+$/, '$1').toLowerCase();
      if (h && !/[*?]/.test(h) && !SHARED_PLATFORMS.test(h)) plain.add(h);
    }
  }
  const facts: OwnFacts = { sshHosts, knownHosts: plain };
  if (hashed.length > 0) {
    // OpenSSH's HashKnownHosts: |1|base64(salt)|base64(HMAC-SHA1(salt, host))
    const memo = new Map<string, boolean>();
    facts.hashedKnownHost = (host: string) => {
      let v = memo.get(host);
      if (v === undefined) {
        v = !SHARED_PLATFORMS.test(host) && hashed.some(([salt, h]) => createHmac('sha1', salt).update(host).digest('base64') === h);
        if (memo.size > 4096) memo.clear();
        memo.set(host, v);
      }
      return v;
    };
  }
  return facts;
}
