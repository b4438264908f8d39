/**
 * The site every network, server and process drill checks: a storage tree built on disk (so the
 * drill knows every directory and file), a dump inventory with planted missing files, planted
 * orphans on the storage, and a configuration file. `judge` holds a run's lists against that
 * ground truth; `historyProblems` checks the history itself.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unescapeName } from '../../src/core/escape.ts';
import { isAtOrBelow } from '../../src/core/lfn.ts';
import { outputNames } from '../../src/check/check-outputs.ts';

export const SITE = 'T2_XX_Drill';
const DAY = 86400;

export interface DrillShape {
  tops: string[];
  /** Datasets per top, blocks per dataset, files per block. */
  datasets: number;
  blocks: number;
  files: number;
  /** Planted: inventory files absent from the storage, storage files absent from the inventory. */
  missing: number;
  orphans: number;
}

export interface DrillTruth {
  /** Every directory from the tops down (LFNs), tops included. */
  dirs: string[];
  /** Files on the storage when built: LFN → size. */
  files: Map<string, number>;
  missing: string[];
  orphans: string[];
}

export interface DrillSite {
  dir: string;
  /** Served as URL path "/": the LFN /store/x is the file siteRoot/store/x. */
  siteRoot: string;
  varDir: string;
  webDir: string;
  configFile: string;
  truth: DrillTruth;
  /** (Re)writes the configuration: the site's own keys over the drill's defaults. */
  configure(siteKeys: Record<string, unknown>, historyUrl?: string): void;
  /** Orphans still on the storage (the storage sink may have deleted some). */
  orphansOnDisk(): string[];
  close(): void;
}

const sizeOf = (lfn: string) => 100 + (lfn.length % 50);

/** Builds the tree (every file and directory three days old), the inventory and a first configuration. */
export function makeDrillSite(shape: DrillShape, base = '/tmp'): DrillSite {
  const dir = mkdtempSync(join(base, 'dc-drill-'));
  chmodSync(dir, 0o755); // served by xrootd and nginx, which run as other users
  const siteRoot = join(dir, 'site');
  const old = Date.now() / 1000 - 3 * DAY;
  const dirs: string[] = [];
  const files = new Map<string, number>();
  const blockDirs: string[] = [];
  for (const top of shape.tops) {
    const t = `/store/${top}`;
    dirs.push(t);
    for (let d = 0; d < shape.datasets; d++) {
      const era = `${t}/Era${d}`;
      const chain = [era, `${era}/Prim${d}`, `${era}/Prim${d}/AODSIM`, `${era}/Prim${d}/AODSIM/proc-v1`];
      dirs.push(...chain);
      for (let b = 0; b < shape.blocks; b++) {
        const block = `${chain[3]}/${String(b).padStart(4, '0')}`;
        dirs.push(block);
        blockDirs.push(block);
        for (let f = 0; f < shape.files; f++) files.set(`${block}/f_${f}.root`, 0);
      }
    }
  }
  const spread = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${blockDirs[(i * 7) % blockDirs.length]}/${prefix}_${i}.root`);
  const missing = spread(shape.missing, 'm');
  const orphans = spread(shape.orphans, 'o');
  for (const o of orphans) files.set(o, 0);
  for (const lfn of files.keys()) files.set(lfn, sizeOf(lfn));
  for (const d of dirs) mkdirSync(siteRoot + d, { recursive: true, mode: 0o755 });
  for (const [lfn, size] of files) {
    writeFileSync(siteRoot + lfn, Buffer.alloc(size, 0x61), { mode: 0o644 });
    utimesSync(siteRoot + lfn, old, old);
  }
  for (const d of [...dirs, '/store', ''].sort((a, b) => b.length - a.length)) utimesSync(siteRoot + d, old, old);
  chmodSync(siteRoot, 0o755);

  const orphanSet = new Set(orphans);
  const inventory = join(dir, 'inventory.txt');
  const lines = [...files.keys()].filter((l) => !orphanSet.has(l)).concat(missing).map((l) => `${l} ${sizeOf(l)} settled`);
  writeFileSync(inventory, lines.join('\n') + '\n');
  const varDir = join(dir, 'var');
  const webDir = join(dir, 'www');
  const configFile = join(dir, 'consistency_config.json');
  const configure = (siteKeys: Record<string, unknown>, historyUrl?: string) => {
    const cfg = {
      RootPath: '/store',
      DirectoryList: shape.tops,
      VarLocation: varDir,
      WebDir: webDir,
      Retries: 2,
      Timeout: 10,
      NumThreads: 4,
      MaxMissing: 100000,
      MaxOrphan: 100000,
      MaxMissingFraction: 1,
      MaxOrphanFraction: 1,
      Inventory: { Type: 'dump', Path: inventory, Format: 'lfn-size' },
      History: { Url: historyUrl ?? `sqlite:${join(varDir, 'history.sqlite')}` },
      Sites: { [SITE]: siteKeys },
    };
    writeFileSync(configFile, JSON.stringify(cfg, null, 2));
  };
  configure({ Url: `file://${siteRoot}` });
  return {
    dir,
    siteRoot,
    varDir,
    webDir,
    configFile,
    truth: { dirs, files, missing, orphans },
    configure,
    orphansOnDisk: () => orphans.filter((o) => existsSync(siteRoot + o)),
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A run's lists as written in VarLocation (or WebDir), read back completely. */
export interface RunLists {
  missing: string[];
  orphan: string[];
  unlisted: string[];
  summary: any;
}

function listLines(path: string): string[] {
  const text = readFileSync(path, 'latin1');
  if (text !== '' && !text.endsWith('\n')) throw new Error(`${path}: does not end with a newline (cut short?)`);
  return text === '' ? [] : text.slice(0, -1).split('\n');
}

/** Reads and parses every list of the last run; throws when one is missing or does not parse. */
export function readLists(dir: string, site = SITE): RunLists {
  const n = outputNames(site);
  const names = (f: string) => listLines(join(dir, f)).map((l) => unescapeName(l.split(' ')[0]));
  return {
    missing: names(n.missing),
    orphan: names(n.orphan),
    unlisted: names(n.unlisted),
    summary: JSON.parse(readFileSync(join(dir, n.summary), 'utf8')),
  };
}

const setDiff = (a: Iterable<string>, b: Set<string>) => [...a].filter((x) => !b.has(x));

/**
 * Problems of one run's lists against the ground truth (empty when right): every directory is
 * listed or at/below an unlisted one (the listed count is exactly the rest: none dropped, none
 * twice), missing and orphan lists are exactly the planted ones outside unlisted directories (zero
 * false, none lost), the counts in the summary match the lists, and a run whose unlisted share is
 * above the gate does not act.
 */
export function judge(truth: DrillTruth, lists: RunLists, o: { orphansOnDisk?: string[]; maxUnlistedFraction?: number } = {}): string[] {
  const problems: string[] = [];
  const unlisted = lists.unlisted;
  const under = (lfn: string) => unlisted.some((u) => isAtOrBelow(lfn, u));
  const strange = unlisted.filter((u) => !truth.dirs.includes(u));
  if (strange.length) problems.push(`unlisted entries that are no directory of the site: ${strange.slice(0, 3).join(', ')}`);
  // The summary's `listing.directories` counts the directories the walk closed: listed or unlisted.
  const expectReached = truth.dirs.filter((d) => !under(d)).length + unlisted.length;
  const reached = lists.summary.listing?.directories;
  if (reached !== expectReached) problems.push(`${reached} directories reached, ${expectReached} expected (${truth.dirs.length} in all, ${unlisted.length} unlisted)`);
  const expect = (all: string[]) => new Set(all.filter((f) => !under(f)));
  const wantMissing = expect(truth.missing);
  const wantOrphan = expect(o.orphansOnDisk ?? truth.orphans);
  const falseMissing = setDiff(lists.missing, wantMissing);
  const lostMissing = setDiff(wantMissing, new Set(lists.missing));
  const falseOrphan = setDiff(lists.orphan, wantOrphan);
  const lostOrphan = setDiff(wantOrphan, new Set(lists.orphan));
  if (falseMissing.length) problems.push(`${falseMissing.length} false missing, e.g. ${falseMissing[0]}`);
  if (lostMissing.length) problems.push(`${lostMissing.length} missing files not reported, e.g. ${lostMissing[0]}`);
  if (falseOrphan.length) problems.push(`${falseOrphan.length} false orphans, e.g. ${falseOrphan[0]}`);
  if (lostOrphan.length) problems.push(`${lostOrphan.length} orphans not reported, e.g. ${lostOrphan[0]}`);
  const s = lists.summary;
  if (s.missing.count !== lists.missing.length || s.orphan.count !== lists.orphan.length || s.unlisted.count !== unlisted.length) {
    problems.push(`summary counts (${s.missing.count}/${s.orphan.count}/${s.unlisted.count}) differ from the lists (${lists.missing.length}/${lists.orphan.length}/${unlisted.length})`);
  }
  const settled = s.inventory.settled;
  const share = settled > 0 ? s.unlisted.settledFilesBelow / settled : 0;
  if (share > (o.maxUnlistedFraction ?? 0.1) && (s.gates?.act || (s.actions?.done ?? []).length > 0)) {
    problems.push(`unlisted share ${share.toFixed(3)} above the gate, yet the run acted`);
  }
  return problems;
}

/** Leftover temporary files of interrupted atomic writes in a directory (harmless, but counted). */
export function tempLeftovers(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.includes('.tmp-'));
}
