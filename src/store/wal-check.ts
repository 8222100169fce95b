/**
 * A check of SQLite's write-ahead log before the database is opened. SQLite reads the WAL up to
 * the first frame whose checksum does not match and silently drops the rest: commits after a
 * damaged frame vanish with no error. This reads the WAL the same way and reports frames of the
 * current WAL generation (same salts) found past the damage, so the loss is said out loud.
 * Format: https://www.sqlite.org/fileformat2.html#walformat
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

const WAL_HEADER = 32;
const FRAME_HEADER = 24;

export interface WalDamage {
  /** index (0-based) of the first frame that fails its checksum */
  frame: number;
  /** frames of the same generation after it: lost on recovery */
  lostFrames: number;
  /** commit frames among them */
  lostCommits: number;
}

function checksum(buf: Buffer, off: number, len: number, bigEndian: boolean, s: [number, number]): void {
  for (let i = off; i < off + len; i += 8) {
    const x0 = bigEndian ? buf.readUInt32BE(i) : buf.readUInt32LE(i);
    const x1 = bigEndian ? buf.readUInt32BE(i + 4) : buf.readUInt32LE(i + 4);
    s[0] = (s[0] + x0 + s[1]) >>> 0;
    s[1] = (s[1] + x1 + s[0]) >>> 0;
  }
}

/** Damage in the WAL beside `db`, or null when it is absent, empty, or whole. */
export function checkWal(db: string): WalDamage | null {
  let fd: number;
  try {
    fd = openSync(`${db}-wal`, 'r');
  } catch {
    return null;
  }
  try {
    const size = fstatSync(fd).size;
    if (size < WAL_HEADER) return null;
    const head = Buffer.alloc(WAL_HEADER);
    readSync(fd, head, 0, WAL_HEADER, 0);
    const magic = head.readUInt32BE(0);
    if (magic !== 0x377f0682 && magic !== 0x377f0683) return null; // not a WAL SQLite would read: it starts afresh, nothing of it was committed
    const bigEndian = (magic & 1) === 1;
    const pageSize = head.readUInt32BE(8);
    const salt1 = head.readUInt32BE(16);
    const salt2 = head.readUInt32BE(20);
    const s: [number, number] = [0, 0];
    checksum(head, 0, 24, bigEndian, s);
    if (s[0] !== head.readUInt32BE(24) || s[1] !== head.readUInt32BE(28)) return null; // a bad header: SQLite ignores the whole file, as it would an empty one
    const frameSize = FRAME_HEADER + pageSize;
    const frames = Math.floor((size - WAL_HEADER) / frameSize);
    const frame = Buffer.alloc(frameSize);
    let bad = -1;
    let lostFrames = 0;
    let lostCommits = 0;
    for (let i = 0; i < frames; i++) {
      readSync(fd, frame, 0, frameSize, WAL_HEADER + i * frameSize);
      const same = frame.readUInt32BE(8) === salt1 && frame.readUInt32BE(12) === salt2;
      if (bad >= 0) {
        if (same) {
          lostFrames++;
          if (frame.readUInt32BE(4) !== 0) lostCommits++;
        }
        continue;
      }
      if (!same) break; // the end of this generation: older frames follow, as after every reset of the WAL
      checksum(frame, 0, 8, bigEndian, s);
      checksum(frame, FRAME_HEADER, pageSize, bigEndian, s);
      if (s[0] !== frame.readUInt32BE(16) || s[1] !== frame.readUInt32BE(20)) bad = i;
    }
    return bad >= 0 && lostFrames > 0 ? { frame: bad, lostFrames: lostFrames + 1, lostCommits } : null;
  } finally {
    closeSync(fd);
  }
}
