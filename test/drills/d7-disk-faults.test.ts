/**
 * Drill D7 (issue 16): full and read-only disks under VarLocation and WebDir. Each lives on its own
 * small tmpfs mounted by the test (the real ENOSPC and EROFS of a real filesystem, not a simulated
 * error); the history is on the ordinary disk. After a good run, the site changes and `check` (the
 * CLI, as users run it) runs against: VarLocation full, VarLocation nearly full (the run gets as far
 * as writing lists), WebDir full, VarLocation read-only, WebDir read-only. Asserted each time: a
 * non-zero exit with an error naming the cause; the run recorded as failed in the history with
 * that error; the lists on the faulty disk are the previous ones, byte for byte (or, on the nearly
 * full disk, each list a complete version), no temporary file left; and once the disk is fixed
 * the next run succeeds and publishes the new lists. A disk already read-only when `check` starts
 * is refused by its preflight (exit 2 naming the key; no run begins, so none is recorded); one that
 * turns read-only under a running daemon (as `errors=remount-ro` does) is met by the run itself,
 * driven here in-process as the daemon's workers drive it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/config-loader.ts';
import { createDemoSite, DEMO_SITE, removeTree, type DemoPlan } from '../../src/demo/demo-site.ts';
import { HistoryStore } from '../../src/store/history-store.ts';
import { runSite } from '../../src/run/run-site.ts';
import { runCli } from '../helpers/run-cli.ts';
import { drillSize, reportFigures } from './drill-mode.ts';

const MOUNT_HINT = 'D7 mounts small tmpfs filesystems: run the suite as root (it is on the project machines and in CI), in a container with CAP_SYS_ADMIN';

function mountTmpfs(dir: string, size: string): void {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    throw new Error(`${MOUNT_HINT}: mount -t tmpfs on ${dir} failed: ${(err as { stderr?: Buffer }).stderr?.toString().trim() ?? err}`);
  }
}
const remount = (dir: string, mode: 'ro' | 'rw') => execFileSync('mount', ['-o', `remount,${mode}`, dir], { stdio: 'pipe' });

/** Fills the filesystem of `dir` to the last byte; `slack` bytes are freed again after. Returns the filler's path. */
function fill(dir: string, slack = 0): string {
  const path = join(dir, '.filler');
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, block);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  }
  try {
    for (;;) writeSync(fd, block, 0, 512);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  }
  closeSync(fd);
  if (slack) {
    const size = readFileSync(path).length;
    writeFileSync(path, Buffer.alloc(size - slack, 1));
  }
  return path;
}

/** Every file of a directory (names starting with "." included), name → bytes. */
function snapshot(dir: string): Map<string, Buffer> {
  const m = new Map<string, Buffer>();
  for (const n of readdirSync(dir, { withFileTypes: true })) if (n.isFile() && n.name !== '.filler') m.set(n.name, readFileSync(join(dir, n.name)));
  return m;
}

/** Free space left on a full VarLocation, in KiB: the suite tries two points, the long run sweeps the edge. */
const NEARLY_FULL_KIB = drillSize(1, 2) === 1 ? [8, 704] : [8, ...Array.from({ length: 11 }, (_, i) => 672 + 16 * i)];

const LISTS = (site: string) => [`${site}_compare_missing.txt`, `${site}_compare_orphan.txt`, `${site}_size_mismatch.txt`, `${site}_unlisted.txt`, `${site}_empty.txt`, `${site}_summary.json`];

describe('drill D7: full and read-only disks for VarLocation and WebDir', { timeout: 900_000 }, () => {
  let root: string;
  let varDir: string;
  let webDir: string;
  let demo: DemoPlan;
  let configFile: string;
  const mounted: string[] = [];

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'dc-d7-'));
    varDir = join(root, 'var');
    webDir = join(root, 'www');
    for (const d of [varDir, webDir]) {
      mountTmpfs(d, '2m');
      mounted.push(d);
    }
    demo = await createDemoSite(join(root, 'demo'));
    configFile = join(root, 'consistency_config.json');
    writeFileSync(configFile, JSON.stringify({
      RootPath: '/store', DirectoryList: ['mc', 'data'], ListOnlyInventoryDirs: false, Retries: 0,
      VarLocation: varDir, WebDir: webDir,
      Sites: { [DEMO_SITE]: { Url: pathToFileURL(join(root, 'demo', 'site')).href, CmsDatasets: true } },
      Inventory: { Type: 'sqlite', Path: join(demo.dir, 'var', 'inventory.sqlite') },
      History: { Url: `sqlite:${join(root, 'history.sqlite')}` },
    }));
  });
  after(async () => {
    for (const d of mounted) {
      try {
        execFileSync('umount', ['-l', d], { stdio: 'pipe' });
      } catch {
        // already gone
      }
    }
    if (demo) removeTree(join(root, 'demo', 'site'));
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const check = () => runCli(['check', '--config', configFile, '--site', `^${DEMO_SITE}$`, '--dry-run'], { cwd: root, timeoutMs: 180_000 });

  /** One run as the daemon's workers make it (runSite, no command-line preflight). */
  async function inProcessRun(): Promise<{ code: number; stderr: string }> {
    const config = loadConfig(configFile, {});
    const store = await HistoryStore.open(config.historyUrl);
    try {
      const o = await runSite(config, DEMO_SITE, store, { retryDelayMs: 10, dryRun: true });
      return { code: o.status === 'done' ? 0 : 1, stderr: o.error?.message ?? '' };
    } finally {
      await store.close();
    }
  }

  async function latestRun(): Promise<{ id: number; status: string; error?: string }> {
    const store = await HistoryStore.open(loadConfig(configFile, {}).historyUrl);
    try {
      const id = (await store.runs.latestId(DEMO_SITE))!;
      const run = await store.runs.get(id);
      return { id, status: run.status, error: (run as { error?: string | null }).error ?? undefined };
    } finally {
      await store.close();
    }
  }

  /** A new orphan on the storage (old enough to count), so the next successful run's lists differ. */
  let orphans = 0;
  function plantOrphan(): string {
    const lfn = `/store/mc/RunIIFall17/Drill/AODSIM/v1/0000/d7_orphan_${++orphans}.root`;
    const path = join(root, 'demo', 'site', lfn);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, 'x'.repeat(1000));
    const old = Date.now() / 1000 - 3 * 86400;
    utimesSync(path, old, old);
    for (let p = dirname(path); p.length > join(root, 'demo', 'site', 'store', 'mc').length; p = dirname(p)) utimesSync(p, old, old);
    return lfn;
  }

  it('fails clearly, keeps the previous lists and records the failure, then recovers', async () => {
    const first = await check();
    assert.equal(first.code, 0, `the first run: ${first.stderr}`);
    const rounds = drillSize(1, 2);
    const figures: Record<string, number | string> = { rounds };
    type Fault = { name: string; disk: string; apply(): void; undo(): void; cause: RegExp; via?: 'preflight' | 'daemon' };
    let filler = '';
    const faults: Fault[] = [
      { name: 'var_full', disk: varDir, apply: () => (filler = fill(varDir)), undo: () => rmSync(filler), cause: /ENOSPC|no space/i },
      // Nearly full: room for part of the run. The scratch spool needs ~700–800 KiB here, the lists a
      // few KiB more, so free space around that edge makes the run fail while writing lists.
      ...NEARLY_FULL_KIB.map((kib): Fault => ({ name: `var_nearly_full_${kib}KiB`, disk: varDir, apply: () => (filler = fill(varDir, kib * 1024)), undo: () => rmSync(filler), cause: /ENOSPC|no space/i })),
      { name: 'web_nearly_full', disk: webDir, apply: () => (filler = fill(webDir, 12 * 1024)), undo: () => rmSync(filler), cause: /ENOSPC|no space/i },
      { name: 'web_full', disk: webDir, apply: () => (filler = fill(webDir)), undo: () => rmSync(filler), cause: /ENOSPC|no space/i },
      { name: 'var_read_only_at_start', disk: varDir, apply: () => remount(varDir, 'ro'), undo: () => remount(varDir, 'rw'), cause: /key \\?"VarLocation\\?".*read-only file system/, via: 'preflight' },
      { name: 'web_read_only_at_start', disk: webDir, apply: () => remount(webDir, 'ro'), undo: () => remount(webDir, 'rw'), cause: /key \\?"WebDir\\?".*read-only file system/, via: 'preflight' },
      { name: 'var_turns_read_only', disk: varDir, apply: () => remount(varDir, 'ro'), undo: () => remount(varDir, 'rw'), cause: /EROFS|read-only/i, via: 'daemon' },
      { name: 'web_turns_read_only', disk: webDir, apply: () => remount(webDir, 'ro'), undo: () => remount(webDir, 'rw'), cause: /EROFS|read-only/i, via: 'daemon' },
    ];
    let failedRuns = 0;
    let listsReplacedWhole = 0;
    let fitted = 0;
    const exits: Record<string, number> = {};
    let recovered = 0;
    for (let round = 0; round < rounds; round++) {
      for (const f of faults) {
        const before = { var: snapshot(varDir), web: snapshot(webDir) };
        const lfn = plantOrphan();
        f.apply();
        const where = `${f.name} (round ${round + 1})`;
        const lastBefore = (await latestRun()).id;
        let r: { code: number | null; stderr: string };
        try {
          r = f.via === 'daemon' ? await inProcessRun() : await check();
        } finally {
          f.undo();
        }
        if (r.code === 0 && f.name.startsWith('var_nearly_full')) {
          // The run fitted in the space left: nothing to judge but that it succeeded whole.
          fitted++;
          assert.equal((await latestRun()).status, 'done');
          continue;
        }
        assert.notEqual(r.code, 0, `${where}: the run must fail`);
        assert.match(r.stderr, f.cause, `${where}: the error names the cause: ${r.stderr.slice(-1500)}`);
        const run = await latestRun();
        if (f.via === undefined) assert.equal(r.code, 1, `${where}: exit 1 (the check ran and failed), not 5 (internal error)`);
        if (f.via === 'preflight') {
          assert.equal(r.code, 2, `${where}: a configuration error (exit 2)`);
          assert.equal(run.id, lastBefore, `${where}: refused before a run began, so none is recorded`);
        } else {
          assert.ok(run.id > lastBefore, `${where}: the run is recorded`);
          assert.equal(run.status, 'failed', `${where}: run ${run.id} recorded as ${run.status}`);
          assert.match(run.error ?? '', f.cause, `${where}: the recorded error names the cause`);
          failedRuns++;
        }
        for (const [dir, was] of [[f.disk, f.disk === varDir ? before.var : before.web]] as const) {
          const now = snapshot(dir);
          const temps = [...now.keys()].filter((n) => n.includes('.tmp-'));
          assert.deepEqual(temps, [], `${where}: temporary files left`);
          for (const name of LISTS(DEMO_SITE)) {
            const old = was.get(name);
            const cur = now.get(name);
            assert.ok(old, `${where}: ${name} existed before`);
            if (f.name.startsWith('var_nearly_full') && cur && !cur.equals(old)) {
              // Written whole before the disk ran out: a complete new version (its orphan list holds the new orphan).
              if (name.endsWith('_compare_orphan.txt')) assert.ok(cur.toString().includes(lfn), `${where}: ${name} is neither the old nor a complete new list`);
              if (name.endsWith('.json')) JSON.parse(cur.toString());
              listsReplacedWhole++;
              continue;
            }
            assert.ok(cur?.equals(old), `${where}: ${name} changed or vanished`);
          }
        }
        const ok = await check();
        assert.equal(ok.code, 0, `${where}: the run after the fix: ${ok.stderr.slice(-1500)}`);
        assert.equal((await latestRun()).status, 'done');
        for (const d of [varDir, webDir]) assert.ok(readFileSync(join(d, `${DEMO_SITE}_compare_orphan.txt`), 'utf8').includes(lfn), `${where}: the new lists are published in ${d}`);
        recovered++;
        exits[`exit_${r.code}`] = (exits[`exit_${r.code}`] ?? 0) + 1;
        // An errno alone ("ENOSPC: no space left on device, write") does not say where: the message names the file or directory.
        if (f.via !== 'preflight') assert.ok(r.stderr.includes(f.disk), `${where}: the error names no path under ${f.disk}: ${r.stderr.slice(-600)}`);
      }
    }
    reportFigures('D7', { ...figures, ...exits, lists_replaced_whole_by_a_failed_run: listsReplacedWhole, faulted_runs: faults.length * rounds, recorded_failed: failedRuns, refused_by_preflight: faults.length * rounds - failedRuns - fitted, nearly_full_runs_that_fitted: fitted, lists_damaged: 0, recovered_runs: recovered, filesystem: 'tmpfs 2 MiB ×2' });
    assert.ok(!existsSync(join(varDir, '.filler')));
  });
});
