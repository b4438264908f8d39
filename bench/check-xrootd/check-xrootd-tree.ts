import { chmodSync, closeSync, existsSync, ftruncateSync, futimesSync, mkdirSync, openSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Files a leaf directory holds (a CMS block directory holds a few hundred). */
export const PER_DIR = 200;
/** Leaf directories a dataset holds; datasets are `/store/mc/Bench/PrimNNN/AODSIM/Proc-v1/`. */
const DIRS_PER_DATASET = 100;
/** Every file and directory is this old: past IgnoreAge, so the check judges all of them. */
export const MTIME = 1_700_000_000;

export interface CheckTree {
  /** Served as the xrootd data root: it holds `store/…`. */
  dataDir: string;
  files: number;
  /** Directories below and including /store/mc. */
  dirs: number;
  leafDirs: number;
}

function leafDir(d: number): string {
  const ds = Math.floor(d / DIRS_PER_DATASET);
  return `/store/mc/Bench/Prim${String(ds).padStart(3, '0')}/AODSIM/Proc-v1/${String(d).padStart(5, '0')}`;
}

/** The LFN and size of file `i` (sizes vary so a size mismatch would be seen). */
export function fileOf(i: number): { lfn: string; size: number } {
  const d = Math.floor(i / PER_DIR);
  return { lfn: `${leafDir(d)}/file_${String(i).padStart(7, '0')}.root`, size: (i * 7919) % 100_000 };
}

export function shapeOf(files: number): { leafDirs: number; dirs: number } {
  const leafDirs = Math.ceil(files / PER_DIR);
  const datasets = Math.ceil(leafDirs / DIRS_PER_DATASET);
  // /store/mc, /store/mc/Bench, then Prim, AODSIM and Proc-v1 per dataset, then the leaves.
  return { leafDirs, dirs: 2 + 3 * datasets + leafDirs };
}

/**
 * `files` sparse files, PER_DIR to a leaf directory, all dated MTIME, under `root/tree-FILES/`.
 * Built once and reused (a marker is written last; a half-built tree is rebuilt). The tree is
 * world-readable: the server drops to user xrootd.
 */
export function generateCheckTree(root: string, files: number, log: (s: string) => void = () => {}): CheckTree {
  const dataDir = join(root, `tree-${files}`);
  const { leafDirs, dirs } = shapeOf(files);
  const tree = { dataDir, files, dirs, leafDirs };
  const marker = join(dataDir, '.complete');
  if (existsSync(marker) && readFileSync(marker, 'utf8').startsWith(`${files} `)) return tree;
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  // Only what is made here is opened up; a parent user xrootd cannot enter makes startXrootd say so.
  chmodSync(root, 0o755);
  chmodSync(dataDir, 0o755);
  const made = new Set<string>();
  const t0 = Date.now();
  for (let i = 0; i < files; i++) {
    const { lfn, size } = fileOf(i);
    const dir = join(dataDir, dirname(lfn));
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    const fd = openSync(join(dataDir, lfn), 'w');
    ftruncateSync(fd, size);
    futimesSync(fd, MTIME, MTIME);
    closeSync(fd);
    if (i % 100_000 === 99_999) log(`  ${i + 1} files (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  // Creating the files moved every directory's mtime to now; date them like the files.
  const all = new Set<string>();
  for (const dir of made) for (let p = dir; p.length > join(dataDir, 'store').length; p = dirname(p)) all.add(p);
  for (const dir of all) utimesSync(dir, MTIME, MTIME);
  writeFileSync(marker, `${files} ${new Date().toISOString()}\n`);
  return tree;
}
