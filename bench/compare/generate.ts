import { createWriteStream, existsSync, mkdirSync, renameSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';

/** Deterministic PRNG so every run of a size compares the same lists. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHA = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-';

/** A 100-character path shaped like an LFN: /store/ then random segments. */
function path(r: () => number): string {
  let p = '/store/';
  while (p.length < 99) {
    const seg = 6 + Math.floor(r() * 14);
    for (let i = 0; i < seg && p.length < 99; i++) p += ALPHA[Math.floor(r() * ALPHA.length)];
    if (p.length < 98) p += '/';
  }
  return p + ALPHA[Math.floor(r() * ALPHA.length)];
}

async function writeLines(file: string, gen: (w: (s: string) => Promise<void>) => Promise<void>) {
  const tmp = file + '.tmp';
  const out = createWriteStream(tmp, { highWaterMark: 1 << 22 });
  let buf = '';
  await gen(async (s) => {
    buf += s;
    if (buf.length > 1 << 22) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  });
  out.write(buf);
  out.end();
  await once(out, 'close');
  renameSync(tmp, file);
}

/**
 * Two lists of N `lfn size` lines: the remote list lacks 1 % of the inventory (missing) and has
 * 1 % extra paths (orphans), and 0.1 % of shared files differ in size. Cached by N under `dir`.
 */
export async function generateLists(n: number, dir: string): Promise<{ inv: string; remote: string; expectMissing: number; expectOrphan: number }> {
  mkdirSync(dir, { recursive: true });
  const inv = join(dir, `inv-${n}.txt`);
  const remote = join(dir, `remote-${n}.txt`);
  const diff = Math.floor(n / 100);
  if (!existsSync(inv) || !existsSync(remote)) {
    let r = rng(42);
    await writeLines(inv, async (w) => {
      for (let i = 0; i < n; i++) await w(`${path(r)} ${1000 + Math.floor(r() * 4e9)}\n`);
    });
    r = rng(42);
    const extra = rng(7);
    await writeLines(remote, async (w) => {
      for (let i = 0; i < n; i++) {
        const p = path(r);
        let size = 1000 + Math.floor(r() * 4e9);
        if (i % 100 === 0) continue; // missing on the site
        if (i % 1000 === 1) size += 1; // size mismatch
        await w(`${p} ${size}\n`);
        if (i % 100 === 1) await w(`${path(extra)}X ${size}\n`); // orphan (never an inventory path: 101 chars)
      }
    });
  }
  return { inv, remote, expectMissing: Math.ceil(n / 100), expectOrphan: diff };
}
