import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { openSql } from '../../../src/sql/sql-database.ts';
import { runCli } from '../../helpers/run-cli.ts';
import { actionSites, PLANTED, SITE, type ActionSite } from './actions-site.ts';

/** Removes inventory files whose name starts with `prefix` (a dump job that lost half its input). */
async function dropInventory(s: ActionSite, prefix: string): Promise<void> {
  const { db } = await openSql<any>(`sqlite:${s.config.inventory.Path}`);
  try {
    await db.deleteFrom('files').where('name', 'like', `${prefix}%`).execute();
  } finally {
    await db.destroy();
  }
}

describe('shrink gates on a real run', () => {
  const { make, closeAll } = actionSites();
  after(closeAll);

  it('a shrunken inventory stays held run after run, its sightings are no confirmations, until an operator accepts it', async () => {
    const s = await make({ settings: { OrphanConfirmations: 2 } });
    const r1 = await s.run();
    assert.equal(r1.status, 'done', r1.error?.message);
    assert.deepEqual(r1.summary!.gates.held, []);
    assert.deepEqual(await s.store.baselines.get(SITE), { site: SITE, settled: 21, listed: 22, runId: r1.runId, setAt: (await s.store.baselines.get(SITE))!.setAt, setBy: 'run' });

    await dropInventory(s, '/store/data/'); // 10 of 21 settled files gone
    for (let i = 0; i < 2; i++) {
      const r = await s.run();
      assert.equal(r.status, 'done', r.error?.message);
      const shrink = r.summary!.gates.held.find((g) => g.gate === 'MaxInventoryShrink');
      assert.ok(shrink, JSON.stringify(r.summary!.gates.held));
      assert.match(shrink.reason, /from 21 to 11 files/);
      assert.equal(r.summary!.gates.act, false);
      // The shrunken size never becomes the baseline by itself.
      assert.equal((await s.store.baselines.get(SITE))!.runId, r1.runId);
    }
    // Orphans seen in held runs were not counted: the findings still stem from run 1 only.
    const orphans = await s.store.findings.collect(SITE, 'orphan');
    assert.ok(orphans.every((f) => f.last_run === r1.runId && f.consecutive === 1), JSON.stringify(orphans));

    const acc = await runCli(['--config', s.configFile, 'set-status', SITE, 'accept'], { cwd: s.dir });
    assert.equal(acc.code, 0, acc.stderr);
    assert.match(acc.stdout, /baseline is now run \d+: 11 settled inventory files/);
    const changes = await s.store.states.collectChanges(SITE);
    assert.equal(changes[0].value, 'accept');
    assert.match(changes[0].by, /^cli:/);

    const r4 = await s.run();
    assert.equal(r4.status, 'done', r4.error?.message);
    assert.ok(!r4.summary!.gates.held.some((g) => g.gate === 'MaxInventoryShrink'), JSON.stringify(r4.summary!.gates.held));
    // Counting starts afresh after the held runs: every orphan is a first sighting again.
    const after4 = await s.store.findings.collect(SITE, 'orphan');
    assert.ok(after4.length >= PLANTED.orphans.length);
    assert.ok(after4.every((f) => f.consecutive === 1 && f.last_run === r4.runId), JSON.stringify(after4));
  });

  it('an emptied inventory is held even on the first run', async () => {
    // All of RootPath is listed (with DirectoryList, an empty inventory names no top to list at all).
    const s = await make({ settings: { DirectoryList: [] } });
    await dropInventory(s, '/store/');
    const r = await s.run();
    assert.equal(r.status, 'done', r.error?.message);
    const g = r.summary!.gates.held.find((h) => h.gate === 'MaxInventoryShrink');
    assert.match(g?.reason ?? '', /settled inventory is empty while the listing holds 22 files/);
  });

  it('a listing that lost half its files is held (MaxListingShrink)', async () => {
    const s = await make();
    assert.equal((await s.run()).status, 'done');
    for (const f of PLANTED.present.filter((p) => p.startsWith('/store/data/'))) rmSync(s.siteRoot + f);
    const r = await s.run();
    const g = r.summary!.gates.held.find((h) => h.gate === 'MaxListingShrink');
    assert.match(g?.reason ?? '', /listing shrank from 22 to 12 files/);
  });

  it('accept without a finished run is refused', async () => {
    const s = await make();
    const acc = await runCli(['--config', s.configFile, 'set-status', SITE, 'accept'], { cwd: s.dir });
    assert.equal(acc.code, 3, acc.stderr);
    assert.match(acc.stderr, /no finished run/);
  });

  it('a run in which every top directory is unlisted fails (exit 1), recorded as failed', async () => {
    const s = await make({ removeTops: ['/store/mc', '/store/data'] });
    const cli = await runCli(['--config', s.configFile, 'check', '--site', SITE], { cwd: s.dir });
    assert.equal(cli.code, 1, cli.stdout + cli.stderr);
    assert.match(cli.stderr, /every top directory is unlisted/);
    const runs = await s.store.runs.collect(SITE);
    assert.equal(runs[0].status, 'failed');
    assert.match(runs[0].error ?? '', /every top directory is unlisted/);
  });
});
