import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DcError } from '../../../src/core/errors.ts';
import { HistoryStore } from '../../../src/store/history-store.ts';
import { SiteLease } from '../../../src/store/site-lease.ts';

let dir: string;
let store: HistoryStore;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dc-lease-'));
  store = await HistoryStore.open(`sqlite:${join(dir, 'h.sqlite')}`);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Resolves when `signal` fires, or fails after `ms`. */
function fired(signal: AbortSignal, ms = 5000): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`the lease did not stop within ${ms} ms`)), ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });
}

/** An owner naming a process of this host that has exited: its lock can be taken over at once. */
function deadLocalOwner(): string {
  return `${hostname()}:${spawnSync(process.execPath, ['-e', '0']).pid}`;
}

describe('site lease', () => {
  it('holds a site for one process at a time, and frees it on release', async () => {
    const lease = await SiteLease.acquire(store, 'T2_A', { owner: 'host-a:1' });
    await assert.rejects(SiteLease.acquire(store, 'T2_A', { owner: 'host-b:2' }), (e: unknown) => e instanceof DcError && e.code === 'STATE');
    assert.equal(await store.locks.holder('T2_A'), 'host-a:1');
    await lease.release();
    assert.equal(await store.locks.holder('T2_A'), null);
    const next = await SiteLease.acquire(store, 'T2_A', { owner: 'host-b:2' });
    await next.release();
  });

  it('picks the next site a live process does not hold, or none', async () => {
    const a = await SiteLease.acquire(store, 'T2_A', { owner: 'host-a:1' });
    const b = await SiteLease.pick(store, ['T2_A', 'T2_B'], { owner: 'host-b:2' });
    assert.equal(b?.site, 'T2_B');
    assert.equal(await SiteLease.pick(store, ['T2_A', 'T2_B'], { owner: 'host-c:3' }), undefined);
    await a.release();
    await b?.release();
  });

  it('takes a halted site back to ready, recorded with its owner, and says so', async () => {
    await store.states.set('T2_A', 'halt', 'cli:operator');
    const lease = await SiteLease.acquire(store, 'T2_A', { owner: 'host-a:1' });
    assert.equal(lease.resumedHalt, true);
    assert.equal((await store.states.get('T2_A')).status, 'ready');
    assert.equal((await store.states.collectChanges('T2_A'))[0].by, 'check:host-a:1');
    await lease.release();
    const again = await SiteLease.acquire(store, 'T2_A', { owner: 'host-a:1' });
    assert.equal(again.resumedHalt, false);
    await again.release();
  });

  it('writes the run\'s progress at each heartbeat, and stops the run when the site is halted during it', async () => {
    const lease = await SiteLease.acquire(store, 'T2_A', { heartbeatSeconds: 0.02 });
    const runId = await store.runs.start('T2_A', new Date().toISOString());
    const beats: object[] = [];
    lease.attach(runId, (p) => beats.push(p));
    lease.progress({ phase: 'listing', files: 7 });
    while (beats.length === 0) await sleep(10);
    assert.deepEqual(JSON.parse(String((await store.runs.get(runId)).progress)), { phase: 'listing', files: 7 });
    assert.equal(lease.signal.aborted, false, 'a ready site is not stopped');
    await store.states.set('T2_A', 'disable', 'web:127.0.0.1');
    await fired(lease.signal);
    assert.equal(lease.stopped, 'halt');
    assert.ok(lease.signal.reason instanceof DcError && lease.signal.reason.code === 'ABORTED');
    await lease.release();
  });

  it('stops the run when another process took the lock over, and leaves that process its lock on release', async () => {
    const events: string[] = [];
    const lease = await SiteLease.acquire(store, 'T2_A', { owner: deadLocalOwner(), heartbeatSeconds: 0.02, log: (e) => events.push(e) });
    const runId = await store.runs.start('T2_A', new Date().toISOString());
    lease.attach(runId);
    // The holder looks dead (its pid is gone), so another process recovers the site.
    const other = await SiteLease.acquire(store, 'T2_A', { owner: 'host-b:2' });
    await fired(lease.signal);
    assert.equal(lease.stopped, 'lost');
    assert.ok(events.includes('lease-lost'));
    await lease.release();
    assert.equal(await store.locks.holder('T2_A'), 'host-b:2');
    await other.release();
  });
});
