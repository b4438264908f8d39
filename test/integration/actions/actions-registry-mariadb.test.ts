import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { invalidateMissing } from '../../../src/actions/actions-invalidate.ts';
import { ensureRegistryTables } from '../../../src/actions/registry/registry-db.ts';
import { openSql } from '../../../src/sql/sql-database.ts';
import { createMariadbDatabase, type TestDatabase } from '../../servers/databases.ts';
import { makeActionSite, PLANTED, SITE, type ActionSite } from './actions-site.ts';

const M1 = PLANTED.missing[0]; // on a disk site and a tape site
const M2 = '/store/mc/EraA/PrimA/AODSIM/procA-v1/0002/m_2.root'; // on tape only
const M3 = '/store/mc/EraA/PrimA/AODSIM/procA-v1/0003/m_3.root'; // only on a site that is down, or incomplete
const block = (lfn: string) => `/PrimA/EraA-procA-v1/AODSIM#${lfn.split('/').at(-2)}`;

async function seedSources(db: Kysely<any>): Promise<void> {
  const siteId = async (name: string, status: string) => {
    const top = (await db.selectFrom('sites').select((eb: any) => eb.fn.max('id').as('m')).executeTakeFirstOrThrow()) as { m: number | string };
    const id = Number(top.m) + 1;
    await db.insertInto('sites').values({ id, name, status }).execute();
    return id;
  };
  const disk = await siteId('T1_XX_Disk', 'ready');
  const tape = await siteId('T1_XX_MSS', 'ready');
  const down = await siteId('T2_XX_Down', 'down');
  const partial = await siteId('T2_XX_Partial', 'ready');
  const blockId = async (lfn: string) => (await db.selectFrom('blocks').select('id').where('name', '=', block(lfn)).executeTakeFirstOrThrow()).id as number;
  const rep = async (lfn: string, site_id: number, is_complete = 1, group_id = 1) =>
    db.insertInto('block_replicas').values({ block_id: await blockId(lfn), site_id, group_id, is_complete }).execute();
  await rep(M1, tape);
  await rep(M1, disk);
  await rep(M2, tape);
  await rep(M3, down);
  await rep(M3, partial, 0);
  await rep(M3, disk, 1, 0); // complete but owned by no group: not settled
}

describe('Dynamo registry sink on a real MariaDB', () => {
  let mdb: TestDatabase;
  let s: ActionSite;
  let reg: Kysely<any>;
  before(async () => {
    mdb = await createMariadbDatabase('dc_actions');
    s = await makeActionSite({
      inventory: { Type: 'mysql', Url: mdb.url },
      settings: { Actions: ['registry'], DeleteOrphans: true, MaxMissingFraction: 1, MaxOrphanFraction: 1 },
      extraMissing: [M2, M3],
      seedInventory: seedSources,
    });
    const registry = await openSql<any>(mdb.url);
    reg = registry.db;
    // Dynamo's registry queues exist beside the inventory, as in a real deployment.
    await ensureRegistryTables(registry);
  });
  after(async () => {
    await reg?.destroy();
    await s?.close();
    await mdb?.drop();
  });

  it('queues deletions and transfers (disk before tape), lists files without disk source and unrecoverable ones', async () => {
    const r1 = await s.run();
    assert.equal(r1.status, 'done', r1.error?.message);
    assert.equal(r1.summary!.missing.count, 3);
    assert.deepEqual(await reg.selectFrom('deletion_queue').selectAll().execute(), [], 'nothing queued on the first sighting');
    const r2 = await s.run();
    assert.equal(r2.status, 'done', r2.error?.message);
    const dq = await reg.selectFrom('deletion_queue').select(['file', 'site', 'status']).orderBy('file').execute();
    assert.deepEqual(dq, [...PLANTED.orphans, ...PLANTED.empty].sort().map((file) => ({ file, site: SITE, status: 'new' })));
    const tq = await reg.selectFrom('transfer_queue').select(['file', 'site_from', 'site_to', 'status']).orderBy('file').execute();
    assert.deepEqual(tq, [
      { file: M1, site_from: 'T1_XX_Disk', site_to: SITE, status: 'new' },
      { file: M2, site_from: 'T1_XX_MSS', site_to: SITE, status: 'new' },
    ]);
    const out = (n: string) => readFileSync(join(s.dir, 'var', `${SITE}_${n}.txt`), 'utf8');
    assert.equal(out('missing_nosite'), `${M2}\n${M3}\n`);
    assert.equal(out('unrecoverable'), `${M3}\n`);
    const acts = await s.store.actions.collect(SITE, r2.runId);
    assert.deepEqual(acts.filter((a) => a.kind === 'transfer').map((a) => [a.target, a.outcome]).sort(), [[M1, 'ok'], [M2, 'ok'], [M3, 'skipped']]);
    const missing = await s.store.findings.collect(SITE, 'missing');
    assert.deepEqual(missing.map((f) => [f.lfn, f.acted_run]), [[M1, r2.runId], [M2, r2.runId], [M3, null]]);
    // The seed's '%10i    %-17s  %s#%s': missing files per block, the block's group here, dataset#block.
    assert.equal(
      out('missing_datasets'),
      [
        '         1    AnalysisOps        /PrimA/EraA-procA-v1/AODSIM#0001',
        '         1    AnalysisOps        /PrimA/EraA-procA-v1/AODSIM#0002',
        '         1    AnalysisOps        /PrimA/EraA-procA-v1/AODSIM#0003',
      ].join('\n') + '\n',
    );

    // A third run repeats nothing already acted on; the unrecoverable file is tried again.
    const r3 = await s.run();
    assert.deepEqual((await s.store.actions.collect(SITE, r3.runId)).map((a) => [a.kind, a.target, a.outcome]), [['transfer', M3, 'skipped']]);
    assert.equal((await reg.selectFrom('deletion_queue').selectAll().execute()).length, 4);
    assert.equal((await reg.selectFrom('transfer_queue').selectAll().execute()).length, 2);
  });

  it('invalidate writes local_invalidations once per confirmed missing file, only for sites in act mode', async () => {
    await s.store.states.set(SITE, 'dry', 'test');
    const [dry] = await invalidateMissing(s.config, s.store, [SITE]);
    assert.equal(dry.invalidated, 0);
    assert.match(dry.skipped!, /dry mode/);
    await s.store.states.set(SITE, 'act', 'test');
    const [first] = await invalidateMissing(s.config, s.store, [SITE]);
    assert.equal(first.invalidated, 3, JSON.stringify(first));
    const rows = await reg.selectFrom('local_invalidations').select(['site', 'lfn']).orderBy('lfn').execute();
    assert.deepEqual(rows, [M1, M2, M3].map((lfn) => ({ site: SITE, lfn })));
    const [again] = await invalidateMissing(s.config, s.store, [SITE]);
    assert.deepEqual([again.invalidated, again.alreadyInvalidated], [0, 3]);
    assert.equal((await reg.selectFrom('local_invalidations').selectAll().execute()).length, 3);
    assert.ok((await s.store.findings.collect(SITE, 'missing')).every((f) => f.acted_run !== null));
  });
});
