/**
 * Fingerprint: content fingerprints of what internal tools returned, and matching of what a tool
 * is about to send against them. Pure, in-memory; only 53-bit keyed hashes are kept, never text.
 *
 * All fingerprints are over normalised text (each char lower-cased on its own, whitespace removed)
 * and use one keyed polynomial hash, so any window of an outgoing text can be looked up in O(1)
 * from prefix hashes:
 *  - k-grams: K-char windows. Small origins (≤ DENSE_MAX chars: .env files, keys, configs, short
 *    documents) keep EVERY k-gram, so any shared run of K chars is found (a small file sent a line
 *    at a time is seen). Up to WINNOW_MAX chars they are winnowed (Schleimer et al., "Winnowing",
 *    2003): any shared run of K+W-1 chars is guaranteed to share a fingerprint, wherever it is
 *    embedded. Larger outputs are sampled by hash (1 in 2^b k-grams, b chosen so that one origin
 *    takes at most half of the session's budget): recording stays fast and a 1 MB log cannot evict
 *    everything read before it, at the price of a probabilistic match for short shared runs of
 *    such outputs (a run of L chars is missed with probability (1 - 2^-b)^(L-K+1)).
 *  - tokens: whole short high-value strings (secret values found by the detector, e-mail addresses,
 *    card-like numbers, high-entropy tokens) and whole short lines, matched exactly. Each token is
 *    reached through its first ANCHOR chars (one table lookup per position of the outgoing text,
 *    then a check of the few tokens sharing that anchor), so the cost does not grow with the number
 *    of distinct token lengths.
 *  - secret fragments: every FRAG-char window of each high-entropy secret and card number, mapped
 *    to (secret, offset), so that a secret sent in pieces over several calls can be added up by the
 *    caller.
 *
 * Modules (one job each): constants.ts (sizes, token kinds), normalize.ts (normalisation into
 * shared scratch buffers), hash.ts (the keyed hash, k-grams, winnowing), leaves.ts (the JSON
 * walker), tokens.ts (e-mails, random ids, cards found in a text), structured.ts (the distinctive
 * values of rows), rows.ts (the cells of personal rows, for record-level matching), table.ts (the
 * hash table), delta.ts (persistence of what an add did), fingerprint-index.ts (the index: record,
 * evict, match).
 */

export {
  ANCHOR,
  DENSE_MAX,
  FRAG,
  FRAGMENT_MIN_ENTROPY,
  FRAGMENT_MIN_SECRET,
  K,
  MAX_TOKEN,
  MIN_TOKEN,
  W,
  WINNOW_MAX,
  type TokenKind,
  type TokenSpec,
} from './constants.ts';
export { normalize } from './normalize.ts';
export { Hasher } from './hash.ts';
export { binaryKind, contentLeaves, stringLeaves, type BinaryLeaf } from './leaves.ts';
export { distinctiveTokens } from './tokens.ts';
export { NumTable } from './table.ts';
export type { IndexDelta } from './delta.ts';
export {
  FingerprintIndex,
  addMode,
  prepareText,
  prepareTextSteps,
  KGRAM_PIECE,
  type PreparedText,
  type FragmentHit,
  type MatchOptions,
  type MatchResult,
  type OriginMatch,
} from './fingerprint-index.ts';
export { fieldCategory, hasValueShape, structuredValues, structuredValueSteps, validIban, type RowCell, type RowsRead } from './structured.ts';
export { RowIndex, type RecordHit } from './rows.ts';
