/**
 * The made-up outputs the detector's worker thread scans before it takes real ones (scan-worker.ts):
 * the kinds of text large tool outputs are (minified JavaScript, JSON, logs, config lines), with every
 * keyword of every detector rule in them, followed by random-looking values, so that each rule's
 * pattern and check runs, and is compiled for speed, before the first real output. V8 compiles a
 * regular expression separately for one-byte and two-byte strings, and optimises the scan's code only
 * after it has run a number of times: the worker scans the text a dozen times, in both forms. Nothing
 * here is a secret: the values are pseudo-random, and the findings are thrown away.
 */
import { RULES, type ScanPart } from '../engine/detector.ts';

/**
 * The part of the detector's rules the worker thread scans (the rules over token runs: the larger
 * part of a scan); the sidecar's main thread scans the other part of the same output meanwhile.
 */
export const WORKER_PART: ScanPart = 'token';

const CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A made-up output of about `chars` characters (deterministic for a seed). */
export function warmUpText(chars: number, seed = 7): string {
  let s = seed >>> 0;
  const rnd = (n: number): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 8) % n;
  };
  const word = (n: number, set = CHARS): string => {
    let w = '';
    for (let i = 0; i < n; i++) w += set[rnd(set.length)];
    return w;
  };
  const keywords = [...new Set(RULES.flatMap((r) => r.keywords ?? []))];
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < chars; i++) {
    const kw = keywords[i % keywords.length] as string;
    const lines = [
      // minified JavaScript: long runs of names joined by dots, few spaces
      `!function(e,t){"use strict";var n=e.prototype.slice,r${i}=t.exports.default;function o(e){return e&&e.__esModule?e:{default:e}}n.call(r${i},${i}).map(function(e){return e.${word(6)}.${word(8)}})}(this,module);`,
      // JSON with ids, hashes and addresses
      `{"id":${i},"name":"entry ${i}","hash":"${word(40)}","url":"https://api.example.com/v${i % 3}/items?page=${i}","email":"user${i}@example.org","tags":["a","b"]}`,
      // config and log lines: assignments, options, headers
      `password_${i % 5} = "${word(24)}"  # token ${word(32)} secret_key: ${word(20)}`,
      `API_KEY_${i}=${word(32)} --auth-token ${word(28)} Authorization: Bearer ${word(36)}.${word(12)}`,
      `postgres://app:${word(16)}@db${i}.internal:5432/app https://deploy:${word(14)}@git.example.com/r.git`,
      `${i}\t2026-01-0${(i % 9) + 1}T10:00:00Z INFO request ${word(12, '0123456789abcdef')} took ${i % 97} ms card 4${word(15, '0123456789')}`,
      // each rule's keyword with a random-looking value after it (and inside a longer run)
      `${kw}${word(40)} x-${kw}${word(24)}=${word(30)}`,
      `-----BEGIN PRIVATE KEY-----\n${word(64)}\n${word(64)}\n-----END PRIVATE KEY-----`,
      word(64),
    ];
    for (const l of lines) {
      parts.push(l);
      size += l.length + 1;
    }
  }
  return parts.join('\n');
}
