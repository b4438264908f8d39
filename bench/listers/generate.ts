import { chmodSync, closeSync, existsSync, ftruncateSync, mkdirSync, openSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface BenchTree {
  /** Directory holding `bench/…`: served as the root by xrootd and nginx. */
  dataDir: string;
  files: number;
  /** Directories below and including /bench. */
  dirs: number;
  /** The same tree as S3 objects (`bench/…` keys). */
  objects(): Iterable<{ key: string; size: number; mtime: number }>;
}

const GROUP = 50;
const MTIME = 1_700_000_000;

const leafPath = (d: number) => `bench/g${String(Math.floor(d / GROUP)).padStart(3, '0')}/d${String(d).padStart(5, '0')}`;

/**
 * `files` sparse files spread over `leafDirs` directories, grouped `GROUP` to a parent
 * (`/bench/gNNN/dNNNNN/fNNNNNNN.root`). Reused when already built (a marker is written last).
 * Everything is world-readable: xrootd and nginx workers drop root.
 */
export function generateTree(root: string, files: number, leafDirs: number): BenchTree {
  const dataDir = join(root, `tree-${files}-${leafDirs}`);
  const perDir = (d: number) => Math.floor(files / leafDirs) + (d < files % leafDirs ? 1 : 0);
  const tree: BenchTree = {
    dataDir,
    files,
    dirs: 1 + Math.ceil(leafDirs / GROUP) + leafDirs,
    *objects() {
      let n = 0;
      for (let d = 0; d < leafDirs; d++) {
        for (let i = 0; i < perDir(d); i++, n++) yield { key: `${leafPath(d)}/f${String(n).padStart(7, '0')}.root`, size: n % 1000, mtime: MTIME };
      }
    },
  };
  const marker = join(dataDir, '.complete');
  if (existsSync(marker)) return tree;
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  chmodSync(root, 0o755);
  let n = 0;
  for (let d = 0; d < leafDirs; d++) {
    const dir = join(dataDir, leafPath(d));
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < perDir(d); i++, n++) {
      const file = join(dir, `f${String(n).padStart(7, '0')}.root`);
      const fd = openSync(file, 'w');
      ftruncateSync(fd, n % 1000);
      closeSync(fd);
      utimesSync(file, MTIME, MTIME);
    }
  }
  writeFileSync(marker, new Date().toISOString());
  return tree;
}
