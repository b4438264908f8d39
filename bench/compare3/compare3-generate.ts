/**
 * Writes the three benchmark lists: BEFORE (inventory dump), SCAN (storage listing), AFTER
 * (inventory dump after the scan), N entries each, 100-byte random paths, about 1 % differences:
 * - SCAN lacks entry i when i % 100 == 1            → missing, unless also gone from AFTER;
 * - AFTER lacks entry i when i % 1000 == 3          → left the inventory during the scan;
 * - SCAN has N/100 extra entries (index N … N+N/100) → orphans, except the first N/1000 of them,
 *   which also appear in AFTER (arrived during the scan).
 * Names are derived from the index by a PRNG, so the files are reproducible and unsorted.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

const NAME_LEN = 100;
const ALPHABET = Buffer.from('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.');
const PREFIX = Buffer.from('/store/mc/');

function writeName(i: number, out: Buffer, at: number): number {
  PREFIX.copy(out, at);
  let x = (i * 0x9e3779b1) ^ 0x5bd1e995;
  let y = Math.floor(i / 0x100000000) ^ 0x27d4eb2f;
  for (let k = PREFIX.length; k < NAME_LEN; k++) {
    // xorshift64-ish on two 32-bit halves: fast, deterministic, well mixed.
    let t = x ^ (x << 11);
    x = y;
    y = y ^ (y >>> 19) ^ (t ^ (t >>> 8));
    t = y >>> 0;
    out[at + k] = (k % 20 === 19) ? 47 : ALPHABET[t % ALPHABET.length];
  }
  out[at + NAME_LEN] = 10;
  return at + NAME_LEN + 1;
}

async function writeList(path: string, append: boolean, indices: (emit: (i: number) => void) => void): Promise<number> {
  const ws = createWriteStream(path, { highWaterMark: 1 << 22, flags: append ? 'a' : 'w' });
  const CHUNK = 40_000;
  let buf = Buffer.allocUnsafe(CHUNK * (NAME_LEN + 1));
  let at = 0;
  let n = 0;
  const pending: Buffer[] = [];
  indices((i) => {
    at = writeName(i, buf, at);
    n++;
    if (at === buf.length) {
      pending.push(buf);
      buf = Buffer.allocUnsafe(CHUNK * (NAME_LEN + 1));
      at = 0;
    }
  });
  pending.push(buf.subarray(0, at));
  for (const b of pending) if (!ws.write(b)) await once(ws, 'drain');
  ws.end();
  await once(ws, 'close');
  return n;
}

export interface Expected {
  missing: number;
  orphan: number;
}

/** Expected counts for N entries a list. */
export function expectedCounts(n: number): Expected {
  let missing = 0;
  for (let i = 1; i < n; i += 100) if (i % 1000 !== 3) missing++;
  const extra = Math.floor(n / 100);
  return { missing, orphan: extra - Math.floor(n / 1000) };
}

/** Writes one list at a time, in slices, so generating 100 M entries stays within memory. */
export async function generateLists(dir: string, n: number): Promise<{ before: string; scan: string; after: string }> {
  const extra = Math.floor(n / 100);
  const early = Math.floor(n / 1000);
  const before = `${dir}/before.txt`;
  const scan = `${dir}/scan.txt`;
  const after = `${dir}/after.txt`;
  const SLICE = 2_000_000;
  const sliced = async (path: string, total: number, keep: (i: number) => boolean) => {
    for (let s = 0; s === 0 || s < total; s += SLICE) {
      await writeList(path, s > 0, (emit) => {
        for (let i = s; i < Math.min(total, s + SLICE); i++) if (keep(i)) emit(i);
      });
    }
  };
  await sliced(before, n, () => true);
  await sliced(scan, n + extra, (i) => i >= n || i % 100 !== 1);
  await sliced(after, n + early, (i) => i >= n || i % 1000 !== 3);
  return { before, scan, after };
}
