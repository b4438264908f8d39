import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface BenchTree {
  /** Directory to serve as the xrootd data root. */
  dataDir: string;
  /** LFN of the top directory to list. */
  top: string;
  files: number;
  /** Every directory below and including `top`. */
  dirs: number;
}

/** Leaf directories are grouped under parents of this many, like CMS block directories under a dataset. */
const GROUP = 100;

/**
 * Builds (or reuses, keyed by the sizes) `files` files spread evenly over `leafDirs` leaf directories:
 * `/bench/gNNN/dNNNNN/fNNNNNNN.root`. Files are sparse with varied sizes so sizes can be checked
 * cheaply. A marker file written last makes a half-built tree be rebuilt.
 */
export function generateTree(root: string, files: number, leafDirs: number): BenchTree {
  const dataDir = join(root, `tree-${files}-${leafDirs}`);
  const groups = Math.ceil(leafDirs / GROUP);
  const tree = { dataDir, top: '/bench', files, dirs: 1 + groups + leafDirs };
  const marker = join(dataDir, '.complete');
  if (existsSync(marker)) return tree;
  rmSync(dataDir, { recursive: true, force: true });
  let made = 0;
  for (let d = 0; d < leafDirs; d++) {
    const dir = join(dataDir, 'bench', `g${String(Math.floor(d / GROUP)).padStart(3, '0')}`, `d${String(d).padStart(5, '0')}`);
    mkdirSync(dir, { recursive: true });
    // Spread the remainder over the first directories so the total is exact.
    const here = Math.floor(files / leafDirs) + (d < files % leafDirs ? 1 : 0);
    for (let i = 0; i < here; i++, made++) {
      const fd = openSync(join(dir, `f${String(made).padStart(7, '0')}.root`), 'w');
      ftruncateSync(fd, (made * 7919) % 100_000);
      closeSync(fd);
    }
  }
  writeFileSync(marker, new Date().toISOString());
  return tree;
}
