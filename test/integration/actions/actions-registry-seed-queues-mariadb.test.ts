/**
 * Issue 10 §5: the seed's registry queues hold only `reqid, file, site(_from, site_to), status`
 * (dynamo-consistency's test/dynamo setup, in its own `dynamoregister` database). Queuing and
 * queuing again must write only those columns, on a real MariaDB.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import { siteConfig } from '../../../src/config/config-loader.ts';
import { RegistrySink } from '../../../src/actions/registry/registry-sink.ts';
import type { SinkContext } from '../../../src/actions/actions-types.ts';
import { openSql } from '../../../src/sql/sql-database.ts';
import { createSeedRegistryQueues } from '../../helpers/dynamo-published-schema.ts';
import { createMariadbDatabase, type TestDatabase } from '../../servers/databases.ts';
import { makeActionSite, PLANTED, SITE, type ActionSite } from './actions-site.ts';

const MISSING = PLANTED.missing[0];
const ORPHAN = PLANTED.orphans[0];

/** Another ready disk site holds a settled replica of the missing file's block. */
async function seedDiskSource(db: Kysely<any>): Promise<void> {
  await db.insertInto('sites').values({ id: 2, name: 'T1_XX_Disk', status: 'ready' }).execute();
  const block = `/PrimA/EraA-procA-v1/AODSIM#${MISSING.split('/').at(-2)}`;
  const { id } = await db.selectFrom('blocks').select('id').where('name', '=', block).executeTakeFirstOrThrow();
  await db.insertInto('block_replicas').values({ block_id: id, site_id: 2, group_id: 1, is_complete: 1 }).execute();
}

describe("registry sink on the seed's minimal queue tables (MariaDB)", () => {
  let inv: TestDatabase;
  let regDb: TestDatabase;
  let reg: Kysely<any>;
  let s: ActionSite;
  before(async () => {
    inv = await createMariadbDatabase('dc_seedinv');
    regDb = await createMariadbDatabase('dc_seedreg');
    const registry = await openSql<any>(regDb.url);
    reg = registry.db;
    await createSeedRegistryQueues(registry);
    s = await makeActionSite({
      inventory: { Type: 'mysql', Url: inv.url },
      settings: { Actions: ['registry'], RegistryUrl: regDb.url },
      seedInventory: seedDiskSource,
    });
  });
  after(async () => {
    await s?.close();
    await reg?.destroy();
    await regDb?.drop();
    await inv?.drop();
  });

  it('queues, and queues again after the requests finished, writing only the columns the tables have', async () => {
    const ctx: SinkContext = { config: s.config, site: siteConfig(s.config, SITE), runId: 1, now: Date.now() / 1000, log: () => undefined };
    const plan = { transfers: [MISSING], deletions: [ORPHAN], rmdirs: [], notes: [] };
    const sink = new RegistrySink();
    try {
      const first = await sink.execute(plan, ctx);
      assert.deepEqual(first.records.map((r) => [r.kind, r.outcome, r.detail]), [
        ['delete', 'ok', 'queued'],
        ['transfer', 'ok', 'queued from T1_XX_Disk (disk)'],
      ]);
      assert.deepEqual(await reg.selectFrom('deletion_queue').selectAll().execute(), [{ reqid: 0, file: ORPHAN, site: SITE, status: 'new' }]);
      assert.deepEqual(await reg.selectFrom('transfer_queue').selectAll().execute(), [{ reqid: 0, file: MISSING, site_from: 'T1_XX_Disk', site_to: SITE, status: 'new' }]);

      await reg.updateTable('deletion_queue').set({ status: 'done' }).execute();
      await reg.updateTable('transfer_queue').set({ status: 'failed' }).execute();
      const again = await sink.execute(plan, { ...ctx, runId: 2 });
      assert.deepEqual(again.records.map((r) => [r.kind, r.outcome, r.detail]), [
        ['delete', 'ok', 'queued again (was done)'],
        ['transfer', 'ok', 'queued again from T1_XX_Disk (disk)'],
      ]);
      assert.deepEqual((await reg.selectFrom('deletion_queue').select('status').execute()).map((r) => r.status), ['new']);
      assert.deepEqual((await reg.selectFrom('transfer_queue').select('status').execute()).map((r) => r.status), ['new']);
    } finally {
      await sink.close();
    }
  });

  it('refuses a queue table without the columns a request needs, naming them', async () => {
    const other = await createMariadbDatabase('dc_badreg');
    const db = (await openSql<any>(other.url)).db;
    try {
      // Dynamo's later deletion_queue (desubscription ids, no file names): not a queue this tool writes.
      await db.schema.createTable('deletion_queue').addColumn('id', 'bigint').addColumn('desubscription_id', 'bigint').addColumn('batch_id', 'bigint').execute();
      const cfg = { ...s.config };
      const site = { ...siteConfig(s.config, SITE), RegistryUrl: other.url };
      const sink = new RegistrySink();
      const r = await sink.execute({ transfers: [], deletions: [ORPHAN], rmdirs: [], notes: [] }, { config: cfg, site, runId: 3, now: 0, log: () => undefined });
      await sink.close();
      assert.equal(r.records[0].outcome, 'failed');
      assert.match(r.records[0].detail ?? '', /deletion_queue has no column\(s\) file, site, status/);
    } finally {
      await db.destroy();
      await other.drop();
    }
  });
});
