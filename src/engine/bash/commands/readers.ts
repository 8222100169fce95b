/**
 * Programs that only read the files they are given (cat, grep, head, sort, gzip ...), with the
 * options of each that take a value, so that a value is not taken for a file.
 */

export interface ReaderSpec {
  /** short options taking a value */
  s?: string;
  /** long options taking a separate value */
  l?: string[];
  /** first positional is a pattern/program, not a file */
  pat?: boolean;
  /** options that supply the pattern (then no positional pattern) */
  po?: string[];
  /** options whose value is a file that is read */
  ro?: string[];
  /** options whose value is a file that is written */
  wo?: string[];
}

const GREP: ReaderSpec = {
  s: 'efmABCDd',
  l: [
    'regexp', 'file', 'max-count', 'after-context', 'before-context', 'context', 'label', 'include', 'exclude',
    'exclude-dir', 'exclude-from', 'binary-files', 'devices', 'directories', 'group-separator',
  ],
  pat: true,
  po: ['-e', '--regexp', '-f', '--file'],
  ro: ['-f', '--file', '--exclude-from'],
};
const COMPRESS: ReaderSpec = { s: 'So', wo: ['-o'] };
const PLAIN: ReaderSpec = {};

export const READERS: Record<string, ReaderSpec> = {
  cat: PLAIN, tac: { s: 's', l: ['separator'] }, nl: { s: 'bdfhilnsvw' }, head: { s: 'nc', l: ['lines', 'bytes'] },
  tail: { s: 'ncs', l: ['lines', 'bytes', 'pid', 'sleep-interval', 'max-unchanged-stats'] },
  less: { s: 'bhjkopPtTxyz' }, more: { s: 'n' }, most: PLAIN, pg: PLAIN,
  bat: { s: 'lHrmL', l: ['language', 'highlight-line', 'line-range', 'map-syntax', 'theme', 'style', 'tabs', 'terminal-width', 'wrap', 'decorations', 'color', 'paging', 'pager', 'italic-text'] },
  batcat: { s: 'lHrmL', l: ['language', 'highlight-line', 'line-range', 'map-syntax', 'theme', 'style'] },
  view: { s: 'cSuUiT' }, vim: { s: 'cSuUiT' }, vi: { s: 'cSuUiT' }, nvim: { s: 'cSuUiT' }, nano: PLAIN,
  emacs: PLAIN, code: PLAIN, subl: PLAIN, micro: PLAIN,
  grep: GREP, egrep: GREP, fgrep: GREP, zgrep: GREP, zegrep: GREP, zfgrep: GREP,
  rg: {
    s: 'efgtTmABCMjErd',
    l: [
      'regexp', 'file', 'glob', 'iglob', 'type', 'type-not', 'type-add', 'type-clear', 'max-count', 'max-depth',
      'context', 'after-context', 'before-context', 'replace', 'encoding', 'sort', 'sortr', 'max-columns',
      'max-filesize', 'threads', 'path-separator', 'pre', 'pre-glob', 'colors', 'ignore-file', 'engine',
      'dfa-size-limit', 'regex-size-limit', 'context-separator', 'field-match-separator',
      'field-context-separator', 'hostname-bin', 'hyperlink-format',
    ],
    pat: true,
    po: ['-e', '--regexp', '-f', '--file', '--files', '--type-list'],
    ro: ['-f', '--file', '--ignore-file'],
  },
  ag: { s: 'ABCGgmp', l: ['ignore', 'ignore-dir', 'file-search-regex', 'depth', 'pager', 'path-to-ignore'], pat: true },
  ack: { s: 'ABCgm', l: ['ignore-dir', 'ignore-file', 'type', 'output', 'match'], pat: true, po: ['--match', '-f'] },
  base64: { s: 'w', l: ['wrap'] }, base32: { s: 'w', l: ['wrap'] }, basenc: { s: 'w', l: ['wrap'] },
  od: { s: 'AjNStw', l: ['address-radix', 'skip-bytes', 'read-bytes', 'strings', 'format', 'width'] },
  hexdump: { s: 'efns', ro: ['-f'] }, hd: { s: 'efns', ro: ['-f'] },
  strings: { s: 'netT', l: ['bytes', 'radix', 'encoding', 'target'] },
  wc: PLAIN,
  sort: {
    s: 'kotST',
    l: ['key', 'field-separator', 'output', 'buffer-size', 'temporary-directory', 'parallel', 'batch-size', 'compress-program', 'files0-from'],
    wo: ['-o', '--output'],
    ro: ['--files0-from'],
  },
  cut: { s: 'bcdf', l: ['bytes', 'characters', 'delimiter', 'fields', 'output-delimiter'] },
  paste: { s: 'd', l: ['delimiters'] },
  join: { s: 'aejotv12' }, comm: PLAIN,
  diff: { s: 'CDFILUWxX', l: ['label', 'ignore-matching-lines', 'exclude', 'exclude-from', 'show-function-line', 'from-file', 'to-file'], ro: ['-X', '--exclude-from'] },
  cmp: { s: 'in', l: ['ignore-initial', 'bytes'] },
  md5sum: PLAIN, sha1sum: PLAIN, sha224sum: PLAIN, sha256sum: PLAIN, sha384sum: PLAIN, sha512sum: PLAIN,
  b2sum: { s: 'l' }, cksum: PLAIN, sum: PLAIN, shasum: { s: 'a' },
  fold: { s: 'w' }, fmt: { s: 'wpg' }, expand: { s: 't' }, unexpand: { s: 't' }, column: { s: 'cstoNdWHR' },
  rev: PLAIN, pr: { s: 'hlwWoNs' }, shuf: { s: 'inoe', wo: ['-o'] },
  gzip: COMPRESS, gunzip: COMPRESS, zcat: COMPRESS, bzip2: COMPRESS, bunzip2: COMPRESS, bzcat: COMPRESS,
  xz: COMPRESS, unxz: COMPRESS, xzcat: COMPRESS, lzma: COMPRESS, zstd: COMPRESS, unzstd: COMPRESS,
  zstdcat: COMPRESS, lz4: COMPRESS, lz4cat: COMPRESS, brotli: COMPRESS, zless: PLAIN, zmore: PLAIN,
  gpg: { s: 'oruRfu', l: ['output', 'recipient', 'local-user', 'default-key', 'passphrase', 'passphrase-file', 'homedir', 'keyring', 'trust-model', 'cipher-algo', 'digest-algo', 'compress-algo', 'keyserver'], wo: ['-o', '--output'], ro: ['--passphrase-file'] },
  gpg2: { s: 'oruRf', l: ['output', 'recipient', 'local-user', 'passphrase-file', 'homedir'], wo: ['-o', '--output'], ro: ['--passphrase-file'] },
  age: { s: 'oriR', l: ['output', 'recipient', 'identity', 'recipients-file'], wo: ['-o', '--output'], ro: ['-i', '--identity', '-R', '--recipients-file'] },
  sops: { l: ['output', 'input-type', 'output-type', 'config', 'extract'], wo: ['--output'] },
  iconv: { s: 'fto', l: ['from-code', 'to-code', 'output'], wo: ['-o', '--output'] },
  sqlite3: { s: 'cmdinit', l: ['cmd', 'init'] },
  split: { s: 'abCdlnt', l: ['suffix-length', 'bytes', 'line-bytes', 'lines', 'number', 'separator', 'additional-suffix'] },
  csplit: { s: 'bfn' },
  envsubst: PLAIN, look: PLAIN, file: { s: 'fFmP', ro: ['-f'] },
  xmllint: { l: ['output', 'xpath', 'schema', 'relaxng', 'dtdvalid', 'encode'], wo: ['--output'] },
};
