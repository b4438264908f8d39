/**
 * Issue 10 §5 beyond the conformance suite: `import` into Dynamo's published layout (no
 * files.dataset_id, bookkeeping columns without defaults) on every engine, a Dynamo database
 * without file_subscriptions, and a database that is not Dynamo's failing with the table's name.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { DcError } from '../../../src/core/errors.ts';
import type { Inventory } from '../../../src/inventory/inventory.ts';
import { importSiteInventory } from '../../../src/inventory/sql/dynamo-import.ts';
import { collectColumns } from '../../../src/sql/sql-columns.ts';
import { openSqlInventory } from '../../../src/inventory/sql/sql-inventory.ts';
import { openSql } from '../../../src/sql/sql-database.ts';
import { createPublishedDynamoSchema } from '../../helpers/dynamo-published-schema.ts';
import { createMariadbDatabase, createPostgresDatabase } from '../../servers/databases.ts';

const SITE = 'T2_XX_Pub';
const LINES = [
  { lfn: '/store/mc/Era/Prim/AODSIM/Proc-v1/0000/a.root', size: 10, settled: true },
  { lfn: '/store/mc/Era/Prim/AODSIM/Proc-v1/0000/b.root', size: 11, settled: false },
  { lfn: '/store/temp/batch7/0001/out.root', size: 12, settled: true },
];

interface Engine {
  name: string;
  /** `import` writes the embedded SQLite inventory; PostgreSQL (NOT NULL without defaults enforced) runs it too. */
  imports: boolean;
  database(): Promise<{ url: string; drop(): Promise<void> }>;
  open(url: string): Promise<Inventory>;
}

const engines: Engine[] = [
  {
    name: 'sqlite',
    imports: true,
    async database() {
      const dir = mkdtempSync(join(tmpdir(), 'dc-pub-'));
      return { url: `sqlite:${join(dir, 'inv.sqlite')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
    },
    open: (url) => openSqlInventory('sqlite', url.slice('sqlite:'.length)),
  },
  { name: 'mariadb', imports: false, database: () => createMariadbDatabase('dc_pubimp'), open: (url) => openSqlInventory('mysql', url) },
  { name: 'postgres', imports: true, database: () => createPostgresDatabase('dc_pubimp'), open: (url) => openSqlInventory('postgres', url) },
];

/** The rows Dynamo itself would hold for LINES (one dataset per LFN convention), written directly. */
async function seedPublished(db: Kysely<any>): Promise<void> {
  const now = '2024-01-01 00:00:00';
  await db.insertInto('sites').values({ id: 1, name: SITE, status: 'ready' }).execute();
  await db.insertInto('groups').values({ id: 1, name: 'AnalysisOps' }).execute();
  await db.insertInto('datasets').values({ id: 1, name: '/Prim/Era-Proc-v1/AODSIM', status: 'VALID', is_open: 0, last_update: now }).execute();
  await db.insertInto('blocks').values({ id: 1, dataset_id: 1, name: '/Prim/Era-Proc-v1/AODSIM#1', is_open: 0, last_update: now }).execute();
  await db.insertInto('files').values(LINES.map((l, i) => ({ id: i + 1, block_id: 1, name: l.lfn, size: l.size }))).execute();
  await db.insertInto('block_replicas').values({ block_id: 1, site_id: 1, group_id: 1, is_complete: 1, last_update: now }).execute();
  await db.insertInto('dataset_replicas').values({ dataset_id: 1, site_id: 1, growing: 0, group_id: 1 }).execute();
}

async function collect(inv: Inventory, site: string): Promise<[string, number | null, boolean][]> {
  const out: [string, number | null, boolean][] = [];
  for await (const b of inv.streamFiles(site)) for (const f of b) out.push([f.lfn, f.size, f.settled]);
  return out.sort((a, b) => a[0].localeCompare(b[0]));
}

for (const e of engines) {
  describe(`Dynamo's published layout on ${e.name}`, () => {
    it(e.imports ? 'imports into it (no files.dataset_id written) and reads the site back' : 'is read back (import writes SQLite only: not run here)', async () => {
      if (!e.imports) {
        const t = await e.database();
        try {
          const database = await openSql<any>(t.url);
          await createPublishedDynamoSchema(database).then(() => seedPublished(database.db)).finally(() => database.close());
          const inv = await e.open(t.url);
          try {
            assert.deepEqual(await collect(inv, SITE), LINES.map((l) => [l.lfn, l.size, true]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))));
          } finally {
            await inv.close();
          }
        } finally {
          await t.drop();
        }
        return;
      }
      const t = await e.database();
      try {
        const database = await openSql<any>(t.url);
        try {
          await createPublishedDynamoSchema(database);
          await importSiteInventory(database, SITE, LINES);
          assert.equal((await collectColumns(database, 'files')).has('dataset_id'), false);
        } finally {
          await database.close();
        }
        const inv = await e.open(t.url);
        try {
          assert.deepEqual(await collect(inv, SITE), LINES.map((l) => [l.lfn, l.size, l.settled]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))));
          // A line says nothing about datasets: import claims no dataset replica at the site.
          assert.equal((await inv.collectProtectedDatasets(SITE))?.has('/Prim/Era-Proc-v1/AODSIM') ?? false, false);
        } finally {
          await inv.close();
        }
      } finally {
        await t.drop();
      }
    });

    it('reads a Dynamo database without file_subscriptions (no subscriptions then)', async () => {
      const t = await e.database();
      try {
        const database = await openSql<any>(t.url);
        const db = database.db;
        try {
          await createPublishedDynamoSchema(database);
          await db.schema.dropTable('file_subscriptions').execute();
          await seedPublished(db);
        } finally {
          await db.destroy();
        }
        const inv = await e.open(t.url);
        try {
          assert.equal((await collect(inv, SITE)).length, 3);
          assert.deepEqual([...(await inv.collectQueuedDeletions(SITE))], []);
        } finally {
          await inv.close();
        }
      } finally {
        await t.drop();
      }
    });

    it("names the missing table when the database is not Dynamo's", async () => {
      const t = await e.database();
      try {
        const database = await openSql<any>(t.url);
        const db = database.db;
        await createPublishedDynamoSchema(database);
        await db.schema.dropTable('blocks').execute();
        await db.destroy();
        const inv = await e.open(t.url);
        try {
          await assert.rejects(collect(inv, SITE), (err: unknown) => err instanceof DcError && err.code === 'CONFIG' && /no table "blocks"/.test(err.message));
        } finally {
          await inv.close();
        }
      } finally {
        await t.drop();
      }
    });
  });
}
