/**
 * Resumable listing (issue 16 §2) in one process: a check stopped at random points of its listing
 * and taken up from its checkpoint gives the lists an uninterrupted check gives, and lists no
 * directory twice that a checkpoint had counted.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NOW, OLD, FRESH, settled, testSite } from '../../helpers/check-harness.ts';
import { MemoryInventory, MemoryLister } from '../../helpers/memory-site.ts';
import { checkSite, type CheckResult } from '../../../src/check/site-check.ts';
import type { CheckpointSettings } from '../../../src/check/check-checkpoint.ts';
import type { SiteConfig } from '../../../src/config/config-loader.ts';

/** A tree of 4 tops × 6 × 5 directories with files, empties, a failing directory and new files. */
function makeSite(): { lister: MemoryLister; inventory: MemoryInventory; dirs: number } {
  const files: { path: string; size: number; mtime: number }[] = [];
  const inv = [];
  for (let t = 0; t < 4; t++) {
    for (let a = 0; a < 6; a++) {
      for (let b = 0; b < 5; b++) {
        const d = `/store/t${t}/a${a}/b${b}`;
        if ((t + a + b) % 7 === 0) continue; // an empty directory below
        for (let f = 0; f < 3; f++) {
          const p = `${d}/f${f}.root`;
          const size = 100 + f;
          if ((a * 5 + b + f) % 11 !== 0) files.push({ path: p, size, mtime: (a + f) % 9 === 0 ? FRESH : OLD });
          if ((a + b * 3 + f) % 13 !== 0) inv.push(settled(p, (t + a + b + f) % 5 === 0 ? size + 1 : size));
        }
      }
    }
  }
  const dirs = [];
  for (let t = 0; t < 4; t++) for (let a = 0; a < 6; a++) for (let b = 0; b < 5; b++) dirs.push({ path: `/store/t${t}/a${a}/b${b}`, mtime: OLD });
  const lister = new MemoryLister(files, dirs);
  lister.failures.set('/store/t2/a3', Infinity);
  return { lister, inventory: new MemoryInventory(inv), dirs: 4 + 4 * 6 + 4 * 6 * 5 - 5 /* below the failing one */ };
}

const site = (): SiteConfig => testSite({ RootPath: '/store', DirectoryList: ['t0', 't1', 't2', 't3'], ListOnlyInventoryDirs: false });

async function lists(r: CheckResult) {
  const out: Record<string, string[]> = {};
  for (const k of ['missing', 'orphan', 'sizeMismatch', 'unlisted', 'empty'] as const) {
    out[k] = [];
    for await (const l of r[k].lines()) out[k].push(l);
  }
  return out;
}

function settings(dir: string, resume: boolean, over: Partial<CheckpointSettings> = {}): CheckpointSettings {
  return { dir, resume, everyDirs: 3, everySeconds: 3600, maxAgeSeconds: 86400, ...over };
}

describe('a listing stopped and resumed from its checkpoint', () => {
  it('gives the lists of an uninterrupted check, at every stopping point tried', async () => {
    const work = mkdtempSync(join(tmpdir(), 'dc-resume-'));
    try {
      const ref = makeSite();
      const whole = await checkSite({ site: site(), inventory: ref.inventory, lister: ref.lister, now: NOW, workDir: work, retryDelayMs: 1, partitions: 4 });
      const expected = await lists(whole);
      whole.dispose();
      assert.ok(expected.missing.length > 0 && expected.orphan.length > 0 && expected.empty.length > 0 && expected.sizeMismatch.length > 0, JSON.stringify(expected));

      for (const stopAfter of [2, 9, 40, 77, 118]) {
        const dir = join(work, `cp-${stopAfter}`);
        const first = makeSite();
        first.lister.delayMs = 1;
        const stop = new AbortController();
        first.lister.beforeList = () => {
          if (first.lister.listed.length >= stopAfter) stop.abort();
        };
        await assert.rejects(checkSite({ site: site(), inventory: first.inventory, lister: first.lister, now: NOW, workDir: work, retryDelayMs: 1, partitions: 4, signal: stop.signal, checkpoint: settings(dir, true, { runId: 1 }) }), /stopped|aborted/);

        // Taken up an hour later: "now" and the inventory before the listing stay the first attempt's.
        const checkpointed = existsSync(join(dir, 'checkpoint'));
        assert.equal(checkpointed, stopAfter > 3, `stopped after ${stopAfter}: a checkpoint every 3 directories`);
        const second = makeSite();
        second.inventory.files = second.inventory.files.slice(1); // a change after the first attempt's snapshot
        second.inventory.after = ref.inventory.files;
        const r = await checkSite({ site: site(), inventory: second.inventory, lister: second.lister, now: NOW + 3600, workDir: work, retryDelayMs: 1, partitions: 4, checkpoint: settings(dir, true, { runId: 2 }) });
        assert.deepEqual(await lists(r), expected, `stopped after ${stopAfter} listings`);
        const res = r.summary.resume!;
        if (!checkpointed) {
          assert.equal(res.resumed, 0);
          r.dispose();
          continue;
        }
        assert.equal(res.resumed, 1);
        assert.deepEqual(res.attempts.map((a) => a.runId), [1, 2]);
        // Every directory counted once over both attempts; none counted by the checkpoint listed again.
        assert.equal(res.attempts[0].dirsListed + res.attempts[1].dirsListed + 1 /* the unlisted one */, ref.dirs, JSON.stringify(res));
        assert.ok(second.lister.listed.length <= ref.dirs - res.attempts[0].dirsListed, `${second.lister.listed.length} listed again`);
        assert.equal(second.inventory.reads, 1, 'the inventory before the listing was not read again');
        assert.equal(r.summary.now, NOW);
        assert.equal(r.summary.listing.files, whole.summary.listing.files);
        assert.equal(r.summary.listing.directories, whole.summary.listing.directories);
        r.dispose();
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('never checkpoints a walk stopped while its last listing was in flight as a complete listing', async () => {
    const work = mkdtempSync(join(tmpdir(), 'dc-resume-'));
    try {
      const dir = join(work, 'cp');
      const a = makeSite();
      const stop = new AbortController();
      // One top, one listing at a time: stopped while the top's own listing waits on the storage, the
      // walk has nothing queued and ends without an error once that listing gives up.
      a.lister.delayMs = 200;
      a.lister.beforeList = () => void setTimeout(() => stop.abort(), 50);
      await assert.rejects(checkSite({ site: { ...site(), DirectoryList: ['t0'], NumThreads: 1 }, inventory: a.inventory, lister: a.lister, now: NOW, workDir: work, retryDelayMs: 1, partitions: 4, signal: stop.signal, checkpoint: settings(dir, true) }), /stopped|aborted/);
      assert.ok(!existsSync(join(dir, 'checkpoint')), 'no checkpoint of a listing that never finished a directory');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('resumes a listing that was complete by reading the inventory after it and judging only', async () => {
    const work = mkdtempSync(join(tmpdir(), 'dc-resume-'));
    try {
      const dir = join(work, 'cp');
      const a = makeSite();
      // Stopped in the after-read: the listing's final checkpoint is written.
      const stop = new AbortController();
      const inv = a.inventory;
      const read = inv.streamFiles.bind(inv);
      inv.streamFiles = async function* () {
        if (inv.reads === 1) {
          stop.abort();
          throw new Error('stopped');
        }
        yield* read();
      };
      await assert.rejects(checkSite({ site: site(), inventory: inv, lister: a.lister, now: NOW, workDir: work, retryDelayMs: 1, partitions: 4, signal: stop.signal, checkpoint: settings(dir, true) }));
      const b = makeSite();
      const r = await checkSite({ site: site(), inventory: b.inventory, lister: b.lister, now: NOW, workDir: work, retryDelayMs: 1, partitions: 4, checkpoint: settings(dir, true) });
      assert.equal(b.lister.listed.length, 0, 'nothing listed again');
      assert.equal(r.summary.resume!.resumed, 1);
      assert.ok((await lists(r)).missing.length > 0);
      r.dispose();
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('discards the checkpoint, saying why, when not asked to resume, when too old, or for other settings', async () => {
    const work = mkdtempSync(join(tmpdir(), 'dc-resume-'));
    try {
      const stopped = async (dir: string) => {
        const a = makeSite();
        const stop = new AbortController();
        a.lister.beforeList = () => {
          if (a.lister.listed.length >= 20) stop.abort();
        };
        await assert.rejects(checkSite({ site: site(), inventory: a.inventory, lister: a.lister, now: NOW, workDir: work, retryDelayMs: 1, partitions: 4, signal: stop.signal, checkpoint: settings(dir, true) }));
      };
      const cases: [string, SiteConfig, Partial<CheckpointSettings>, RegExp][] = [
        ['no-resume', site(), { resume: false, noResumeReason: 'this check was started without --resume' }, /without --resume/],
        ['old', site(), { maxAgeSeconds: 0 }, /longer than ResumeMaxAge/],
        ['root', { ...site(), DirectoryList: ['t0', 't1', 't2'] }, {}, /written with DirectoryList \["t0","t1","t2","t3"\], this run has \["t0","t1","t2"\]/],
        ['url', { ...site(), Url: 'memory://other' }, {}, /written with Url "memory:\/\/", this run has "memory:\/\/other"/],
      ];
      for (const [name, s, over, why] of cases) {
        const dir = join(work, name);
        await stopped(dir);
        const b = makeSite();
        const events: string[] = [];
        const r = await checkSite({ site: s, inventory: b.inventory, lister: b.lister, now: NOW, workDir: work, retryDelayMs: 1, partitions: 4, checkpoint: { ...settings(dir, true), ...over, log: (e) => events.push(e) } });
        assert.equal(r.summary.resume!.resumed, 0, name);
        assert.match(r.summary.resume!.discarded ?? '', why, name);
        assert.deepEqual(events, ['checkpoint-discarded'], name);
        assert.equal(b.inventory.reads, 2, `${name}: a fresh before-read`);
        r.dispose();
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
