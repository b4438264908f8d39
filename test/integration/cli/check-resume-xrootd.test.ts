/**
 * Resumable listing end to end (issue 16 §2): a real `check` process listing a real xrootd through
 * a delay proxy (so the listing takes seconds) is killed with SIGKILL at several points of its
 * listing; `check --resume` continues from the last checkpoint, and every list it writes equals,
 * byte for byte, the list of an uninterrupted check. Directories counted by a checkpoint are not
 * listed again: the directories listed over all attempts add up to the site's.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, runCli } from '../../helpers/run-cli.ts';
import { startXrootd, type XrootdServer } from '../../servers/xrootd-server.ts';
import { startDelayProxy, type DelayProxy } from '../../servers/delay-proxy.ts';
import { readCheckpointFile } from '../../../src/check/check-checkpoint-file.ts';
import { HistoryStore } from '../../../src/store/history-store.ts';
import { CliProcess, waitFor } from '../fleet/fleet-fixture.ts';

const SITE = 'T2_XX_Resume';
const OLD = Date.now() / 1000 - 10 * 86400;
const TOPS = ['mc', 'data', 'user'];
const LISTS = ['compare_missing.txt', 'compare_orphan.txt', 'size_mismatch.txt', 'unlisted.txt', 'empty.txt', 'missing_datasets.txt'];

/** 3 tops × 6 × 6 directories of 2 files, with missing, orphan, size-mismatched files and empty directories. */
function makeSite(data: string, work: string): { inventory: string; dirs: number } {
  const inv: string[] = [];
  let dirs = 0;
  const old = (p: string) => utimesSync(p, OLD, OLD);
  for (const t of TOPS) {
    dirs++;
    for (let a = 0; a < 6; a++) {
      dirs++;
      for (let b = 0; b < 6; b++) {
        dirs++;
        const d = `/store/${t}/Era${a}/Prim${b}`;
        mkdirSync(data + d, { recursive: true });
        if ((a + b) % 7 !== 4) {
          for (let f = 0; f < 2; f++) {
            const lfn = `${d}/f${f}.root`;
            const onDisk = (a * 6 + b + f) % 13 !== 0; // missing otherwise
            const known = (a + 3 * b + f) % 11 !== 0; // orphan otherwise
            if (onDisk) {
              writeFileSync(data + lfn, Buffer.alloc(10 + f, 1));
              old(data + lfn);
            }
            if (known) inv.push(`${lfn} ${onDisk && (a + 2 * b + f) % 7 === 3 ? 99 : 10 + f}`);
          }
        }
        for (let p = d; p !== '/store'; p = p.slice(0, p.lastIndexOf('/'))) old(data + p);
      }
    }
  }
  chmodSync(data, 0o755);
  const inventory = join(work, 'inventory.txt');
  writeFileSync(inventory, inv.join('\n') + '\n');
  return { inventory, dirs };
}

const read = (f: string) => readFileSync(f);

/** Starts `check` (the installed command) and returns it with its exit. */
function startCheck(cfg: string, cwd: string, extra: string[] = []) {
  const child = spawn(process.execPath, [BIN, 'check', '--site', SITE, '--json', '--config', cfg, ...extra], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exit = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, exit };
}

/** Waits until the checkpoint counts at least `dirs` directories of the running attempt, then kills the check with SIGKILL. */
async function killAfter(cfg: string, cwd: string, cpFile: string, dirs: number, extra: string[]): Promise<number> {
  const { child, exit } = startCheck(cfg, cwd, extra);
  const end = Date.now() + 120_000;
  let counted = -1;
  for (;;) {
    const cp = readCheckpointFile(cpFile);
    const attempts = cp && 'body' in cp ? cp.body.attempts : [];
    const mine = attempts.length > 0 && attempts.at(-1)!.runId !== undefined ? attempts.at(-1)! : undefined;
    if (cp && 'body' in cp && cp.body.frontier === null) throw new Error(`the listing ended before ${dirs} directories were checkpointed: slow it down`);
    if (mine && (extra.length === 0 || attempts.length > 1) && mine.dirsListed >= dirs) {
      counted = mine.dirsListed;
      break;
    }
    if (Date.now() > end) throw new Error(`no checkpoint of ${dirs} directories within 120 s; check stderr:\n${(await Promise.race([exit, Promise.resolve({ stderr: '(running)' })])).stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill('SIGKILL');
  const r = await exit;
  assert.equal(r.signal, 'SIGKILL', r.stderr);
  return counted;
}

describe('check --resume after kill -9, over a real xrootd', () => {
  let work: string;
  let server: XrootdServer;
  let proxy: DelayProxy;
  let cfg: string;
  let dirs: number;
  let cpFile: string;
  const refDir = () => join(work, 'ref');

  before(async () => {
    work = mkdtempSync('/tmp/dctest-resume-');
    chmodSync(work, 0o755);
    const data = join(work, 'data');
    mkdirSync(data);
    const site = makeSite(data, work);
    dirs = site.dirs;
    server = await startXrootd({ dataDir: data });
    // 30 ms per round trip and at most 2 listings in flight: the listing takes seconds.
    proxy = await startDelayProxy({ targetHost: server.host, targetPort: server.port, rttMs: 30 });
    cfg = join(work, 'config.json');
    writeFileSync(cfg, JSON.stringify({
      RootPath: '/store',
      DirectoryList: TOPS,
      VarLocation: 'var',
      WebDir: 'www',
      NumThreads: 2,
      CheckpointDirectories: 10,
      CheckpointSeconds: 600,
      Sites: { [SITE]: { Url: `root://${proxy.host}:${proxy.port}/` } },
      Inventory: { Type: 'sqlite', Path: 'var/inventory.sqlite' },
      History: { Url: 'sqlite:var/history.sqlite' },
    }));
    cpFile = join(work, 'var', 'work', `.listing-${SITE}`, 'checkpoint');
    const imp = await runCli(['import', '--site', SITE, site.inventory, '--config', cfg], { cwd: work });
    assert.equal(imp.code, 0, imp.stderr);
  });
  after(async () => {
    await proxy?.close();
    await server?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('an uninterrupted check: the reference lists', async () => {
    const r = await runCli(['check', '--site', SITE, '--json', '--config', cfg], { cwd: work, timeoutMs: 300_000 });
    assert.equal(r.code, 0, `${r.stderr}\n${server.log().slice(-2000)}`);
    const s = JSON.parse(r.stdout);
    assert.ok(s.missing.count > 0 && s.orphan.count > 0 && s.sizeMismatch.count > 0 && s.empty > 0, JSON.stringify(s));
    assert.equal(s.unlisted.count, 0);
    assert.equal(s.resume.resumed, 0);
    assert.ok(!existsSync(cpFile), 'a finished run leaves no checkpoint');
    mkdirSync(refDir());
    for (const l of LISTS) cpSync(join(work, 'var', `${SITE}_${l}`), join(refDir(), l));
  });

  for (const killAt of [[10], [45], [90], [25, 60]]) {
    it(`killed with SIGKILL after ${killAt.join(', then ')} directories were checkpointed, resumed: the same lists byte for byte`, async () => {
      for (const l of LISTS) rmSync(join(work, 'var', `${SITE}_${l}`), { force: true });
      const counted: number[] = [];
      for (let i = 0; i < killAt.length; i++) counted.push(await killAfter(cfg, work, cpFile, killAt[i], i === 0 ? [] : ['--resume']));
      const r = await runCli(['check', '--site', SITE, '--json', '--resume', '--config', cfg], { cwd: work, timeoutMs: 300_000 });
      assert.equal(r.code, 0, `${r.stderr}\n${server.log().slice(-2000)}`);
      const s = JSON.parse(r.stdout);
      assert.equal(s.resume.resumed, killAt.length, JSON.stringify(s.resume));
      assert.equal(s.resume.attempts.length, killAt.length + 1);
      // Each killed attempt counts what its last checkpoint held; the last one lists only the rest.
      const per: number[] = s.resume.attempts.map((a: { dirsListed: number }) => a.dirsListed);
      for (let i = 0; i < killAt.length; i++) assert.ok(per[i] >= counted[i], `attempt ${i + 1}: ${per[i]} < ${counted[i]}`);
      assert.equal(per.reduce((a, b) => a + b, 0), dirs, `directories listed per attempt ${per.join(' + ')} should add up to the site's ${dirs}`);
      assert.equal(s.listing.directories, dirs);
      for (const l of LISTS) assert.ok(read(join(work, 'var', `${SITE}_${l}`)).equals(read(join(refDir(), l))), `${l} differs from the uninterrupted run's`);
      assert.match(r.stderr, /"event":"listing-resumed"/);
      assert.ok(!existsSync(cpFile), 'the checkpoint is removed once the run is recorded');
    });
  }

  it('without --resume a checkpoint is discarded and the run says so', async () => {
    await killAfter(cfg, work, cpFile, 30, []);
    const r = await runCli(['check', '--site', SITE, '--json', '--config', cfg], { cwd: work, timeoutMs: 300_000 });
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.equal(s.resume.resumed, 0);
    assert.match(s.resume.discarded, /without --resume/);
    for (const l of LISTS) assert.ok(read(join(work, 'var', `${SITE}_${l}`)).equals(read(join(refDir(), l))), `${l} differs`);
  });

  it('the daemon killed with SIGKILL mid-listing: the next daemon resumes the listing by default', async () => {
    const raw = JSON.parse(readFileSync(cfg, 'utf8'));
    const dcfg = join(work, 'daemon.json');
    writeFileSync(dcfg, JSON.stringify({ ...raw, CheckEvery: 0.0003 }));
    const history = `sqlite:${join(work, 'var', 'history.sqlite')}`;
    const lastRun = async () => {
      const store = await HistoryStore.open(history);
      try {
        return await store.runs.get((await store.runs.latestId(SITE))!);
      } finally {
        await store.close();
      }
    };
    const runAfter = async (id: number) => {
      const store = await HistoryStore.open(history);
      try {
        return (await store.runs.latestId(SITE))! > id ? await store.runs.get(id + 1) : undefined;
      } finally {
        await store.close();
      }
    };
    const before = (await lastRun()).id;
    const first = new CliProcess(['daemon', '--config', dcfg], work);
    try {
      await waitFor('a checkpoint of the daemon\'s run', async () => {
        const cp = readCheckpointFile(cpFile);
        return cp && 'body' in cp && (cp.body.attempts.at(-1)!.runId ?? 0) > before && cp.body.attempts.at(-1)!.dirsListed >= 40;
      }, 120_000, 20);
    } finally {
      first.kill();
    }
    assert.equal((await first.exited).signal, 'SIGKILL');
    const killed = (await lastRun()).id;
    const second = new CliProcess(['daemon', '--config', dcfg], work);
    let resumed: { id: number; status: string; summary: string | null } | undefined;
    try {
      // The next run after the killed one (the daemon checks the site again and again at this
      // cadence, so the latest run may already be a later one).
      resumed = await waitFor('the next daemon\'s run to finish', async () => {
        const r = await runAfter(killed);
        return r && r.status !== 'running' ? r : undefined;
      }, 120_000);
    } finally {
      await second.stop('SIGTERM');
    }
    const s = JSON.parse(resumed.summary!);
    assert.equal(resumed.status, 'done', second.stderr.slice(-3000));
    assert.equal(s.resume.resumed, 1, JSON.stringify(s.resume));
    assert.equal(s.resume.attempts[0].runId, killed);
    assert.equal(s.resume.attempts.reduce((a: number, t: { dirsListed: number }) => a + t.dirsListed, 0), dirs);
    assert.match(second.stderr, /"event":"listing-resumed"/);
    for (const l of LISTS) assert.ok(read(join(work, 'var', `${SITE}_${l}`)).equals(read(join(refDir(), l))), `${l} differs`);
  });
});
