import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { openSql } from '../../../src/sql/sql-database.ts';
import type { StoreDb } from '../../../src/store/history-schema.ts';
import { HistoryStore } from '../../../src/store/history-store.ts';

let dir: string;
let store: HistoryStore;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dc-store-'));
  store = await HistoryStore.open(`sqlite:${join(dir, 'h.sqlite')}`);
});

/** The store's database from a second connection, as another process would see it (the store keeps its own private). */
async function withRawDb<T>(fn: (db: Kysely<StoreDb>) => Promise<T>): Promise<T> {
  const raw = await openSql<StoreDb>(`sqlite:${join(dir, 'h.sqlite')}`);
  try {
    return await fn(raw.db);
  } finally {
    await raw.close();
  }
}

/** Ages the site's lock heartbeat by an hour: the holder looks crashed. */
function ageLock(site: string): Promise<unknown> {
  return withRawDb((db) => db.updateTable('site_states').set({ lock_heartbeat: Math.floor(Date.now() / 1000) - 3600 }).where('site', '=', site).execute());
}
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function doneRun(site: string, findings: string[]): Promise<number> {
  const id = await store.runs.start(site, new Date().toISOString());
  await store.findings.record(site, id, 'missing', findings);
  await store.runs.finish(id, 'done', {});
  return id;
}

describe('history store: site states', () => {
  it('starts a new site ready and in dry mode, and records who changed it', async () => {
    const s = await store.states.get('T2_A');
    assert.deepEqual([s.status, s.mode], ['ready', 'dry']);
    const t = await store.states.set('T2_A', 'act', 'cli:alice');
    assert.deepEqual([t.status, t.mode, t.updatedBy], ['ready', 'act', 'cli:alice']);
    assert.equal((await store.states.set('T2_A', 'halt', 'web:1.2.3.4')).status, 'halt');
    assert.deepEqual((await store.states.collectChanges('T2_A')).map((c) => [c.value, c.by]), [['halt', 'web:1.2.3.4'], ['act', 'cli:alice']]);
  });

  it('picks the site whose last run is oldest, never-checked first; halted sites stay in the rotation, disabled ones do not', async () => {
    await store.states.ensure(['T2_A', 'T2_B', 'T2_C', 'T2_D']);
    await doneRun('T2_A', []);
    await new Promise((r) => setTimeout(r, 5));
    await doneRun('T2_B', []);
    await store.states.set('T2_C', 'disable', 'test');
    assert.equal(await store.locks.pick(['T2_A', 'T2_B', 'T2_C', 'T2_D']), 'T2_D');
    await store.states.set('T2_D', 'halt', 'test');
    assert.equal(await store.locks.pick(['T2_A', 'T2_B', 'T2_C', 'T2_D']), 'T2_D', 'halt stops a run, not the rotation (issue 10 §6)');
    assert.equal(await store.locks.pick(['T2_C']), undefined, 'a disabled site waits for ready');
    await store.states.set('T2_C', 'ready', 'test');
    assert.equal(await store.locks.pick(['T2_C']), 'T2_C');
  });

  it('gives a failed or halted run its turn too, so one broken site never starves the rest (issue 10 §6)', async () => {
    await store.states.ensure(['T2_A', 'T2_B', 'T2_C']);
    const failed = await store.runs.start('T2_A', new Date().toISOString());
    await store.runs.finish(failed, 'failed', { error: 'broken door' });
    await new Promise((r) => setTimeout(r, 5));
    const halted = await store.runs.start('T2_B', new Date().toISOString());
    await store.runs.finish(halted, 'halted', { error: 'site halted' });
    assert.ok((await store.states.get('T2_A')).lastRunAt, 'last_run_at set after a failed run');
    assert.ok((await store.states.get('T2_B')).lastRunAt, 'last_run_at set after a halted run');
    assert.equal(await store.locks.pick(['T2_A', 'T2_B', 'T2_C']), 'T2_C');
    assert.equal(await store.locks.pick(['T2_A', 'T2_B']), 'T2_A');
  });

  it('skips a site a live run of another process holds and takes the next; a stale lock does not count (issue 10 §6)', async () => {
    await store.states.ensure(['T2_A', 'T2_B']);
    // This test process is alive on this host: its lock is live.
    assert.equal(await store.locks.acquire('T2_A', `${hostname()}:${process.pid}`), true);
    assert.equal(await store.locks.pick(['T2_A', 'T2_B']), 'T2_B');
    assert.equal(await store.locks.pick(['T2_A', 'T2_B'], 'other-host:7'), 'T2_B', 'picked with its lock');
    assert.equal(await store.locks.pick(['T2_A', 'T2_B'], 'third-host:9'), undefined, 'both held now');
    await ageLock('T2_A');
    assert.equal(await store.locks.pick(['T2_A', 'T2_B'], 'third-host:9'), 'T2_A', 'a stale lock is taken over');
  });

  it('takes a halted site back to ready when a run starts on it, recording who did (issue 10 §6)', async () => {
    await store.states.set('T2_A', 'halt', 'cli:alice');
    assert.equal(await store.states.resumeHalted('T2_A', 'check:host:1'), true);
    assert.equal((await store.states.get('T2_A')).status, 'ready');
    assert.deepEqual((await store.states.collectChanges('T2_A')).map((c) => [c.value, c.by]), [['ready', 'check:host:1'], ['halt', 'cli:alice']]);
    await store.states.set('T2_A', 'disable', 'cli:alice');
    assert.equal(await store.states.resumeHalted('T2_A', 'check:host:1'), false, 'disable is left alone');
    assert.equal((await store.states.get('T2_A')).status, 'disable');
  });
});

describe('history store: findings across runs', () => {
  it('counts consecutive sightings and drops findings no longer reported', async () => {
    await doneRun('T2_A', ['/store/a', '/store/b']);
    await doneRun('T2_A', ['/store/a', '/store/b']);
    const third = await doneRun('T2_A', ['/store/a', '/store/c']);
    const rows = await store.findings.collect('T2_A', 'missing');
    assert.deepEqual(rows.map((r) => [r.lfn, r.consecutive, r.last_run]), [['/store/a', 3, third], ['/store/c', 1, third]]);
  });

  it('keeps a name that is not UTF-8 byte-exact, stored escaped (issue 11 §2)', async () => {
    const bad = '/store/bad\udcff\udcfe.root';
    await doneRun('T2_A', [bad, '/store/lit\\xff']);
    const second = await doneRun('T2_A', [bad]);
    const rows = await store.findings.collect('T2_A', 'missing');
    assert.deepEqual(rows.map((r) => [r.lfn, r.consecutive, r.last_run]), [[bad, 2, second]]);
    const stored = await withRawDb((db) => db.selectFrom('findings').select('lfn').execute());
    assert.deepEqual(stored.map((r) => r.lfn), ['/store/bad\\xff\\xfe.root']);
  });

  it('restarts the count when a finding was absent from the previous done run', async () => {
    await doneRun('T2_A', ['/store/a']);
    await doneRun('T2_A', []);
    await doneRun('T2_A', ['/store/a']);
    const [row] = await store.findings.collect('T2_A', 'missing');
    assert.equal(row.consecutive, 1);
  });

  it('does not count a failed run between two sightings as a break', async () => {
    await doneRun('T2_A', ['/store/a']);
    const failed = await store.runs.start('T2_A', new Date().toISOString());
    await store.runs.finish(failed, 'failed', { error: 'listing crashed' });
    await doneRun('T2_A', ['/store/a']);
    const [row] = await store.findings.collect('T2_A', 'missing');
    assert.equal(row.consecutive, 2);
  });

  it('keeps sites apart', async () => {
    await doneRun('T2_A', ['/store/a']);
    await doneRun('T2_B', ['/store/a']);
    assert.equal((await store.findings.collect('T2_A', 'missing'))[0].consecutive, 1);
  });
});

describe('history store: locks', () => {
  it('lets one holder in at a time and takes over a stale lock, closing its running run as failed', async () => {
    assert.equal(await store.locks.acquire('T2_A', 'host-x:1'), true);
    const run = await store.runs.start('T2_A', new Date().toISOString());
    assert.equal(await store.locks.acquire('T2_A', 'host-y:2'), false);
    await ageLock('T2_A');
    assert.equal(await store.locks.acquire('T2_A', 'host-y:2'), true);
    const r = await store.runs.get(run);
    assert.equal(r.status, 'failed');
    assert.match(r.error ?? '', /lock was recovered/);
  });

  it('journals an action started then settled; one a dead run left started becomes interrupted when its lock is recovered, and its staged findings go (drill D3)', async () => {
    assert.equal(await store.locks.acquire('T2_A', 'host-x:1'), true);
    const run = await store.runs.start('T2_A', new Date().toISOString());
    const row = { runId: run, site: 'T2_A', sink: 'storage', kind: 'delete' };
    await store.actions.begin({ ...row, target: '/store/a' });
    await store.actions.settle({ ...row, target: '/store/a', outcome: 'ok' });
    await store.actions.begin({ ...row, target: '/store/b' });
    await withRawDb((db) => db.insertInto('findings_stage').values({ run_id: run, category: 'orphan', lfn_hash: 'x', lfn: '/store/c', size: 1 }).execute());
    // The holder dies here: /store/b may or may not be deleted.
    await ageLock('T2_A');
    assert.equal(await store.locks.acquire('T2_A', 'host-y:2'), true);
    const acts = await store.actions.collect('T2_A', run);
    assert.deepEqual(acts.map((a) => [a.target, a.outcome]), [['/store/a', 'ok'], ['/store/b', 'interrupted']]);
    assert.match(acts[1].detail ?? '', /may or may not have been done/);
    assert.equal((await withRawDb((db) => db.selectFrom('findings_stage').selectAll().execute())).length, 0);
  });
});
