/** Fingerprint sizes and bounds, and the kinds of token the index keeps. */

export const K = 24; // k-gram length (normalised chars)
export const W = 8; // winnowing window (k-grams); guarantee threshold K + W - 1 = 31
export const MIN_TOKEN = 8; // shortest token / line we keep (secrets: 6)
export const MAX_TOKEN = 256;
/** token anchor length */
export const ANCHOR = 8;
/** secret-fragment window length */
export const FRAG = 6;
/** origins with at most this many chars keep every k-gram (not only the winnowed ones) */
export const DENSE_MAX = 8192;
/** origins with more chars than this are sampled (1 k-gram in 2^b by hash) instead of winnowed */
export const WINNOW_MAX = 65536;
/** secrets shorter than this (normalised) or with less entropy per char are not indexed as fragments */
export const FRAGMENT_MIN_SECRET = 16;
export const FRAGMENT_MIN_ENTROPY = 3.0;
/** longest secret indexed as fragments, and fragment windows kept per index */
export const FRAGMENT_MAX_SECRET = 4096;
export const FRAGMENT_MAX_WINDOWS = 65536;
export const FRAGMENT_MAX_SECRETS = 1024;
/** tokens sharing one anchor: beyond this, more `line` (or distinctive) tokens with that anchor are not kept */
export const MAX_LINES_PER_ANCHOR = 8;
export const MAX_TOKENS_PER_ANCHOR = 64;

export type TokenKind = 'secret' | 'card' | 'email' | 'token' | 'line';

/** A token worth matching exactly: found by the caller (detector, structured.ts) or by tokens.ts. */
export interface TokenSpec {
  value: string;
  kind: TokenKind;
  label: string;
}
