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
import { openMysqlInventory } from '../../../src/inventory/mysql/mysql-inventory.ts';
import { openPostgresInventory } from '../../../src/inventory/postgres/postgres-inventory.ts';
import { importSiteInventory } from '../../../src/inventory/sql/dynamo-import.ts';
import { collectColumns } from '../../../src/inventory/sql/sql-columns.ts';
import { openSqliteInventory } from '../../../src/inventory/sqlite/sqlite-inventory.ts';
import { openKysely } from '../../../src/store/store-db.ts';
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
  database(): Promise<{ url: string; drop(): Promise<void> }>;
  open(url: string): Promise<Inventory>;
}

const engines: Engine[] = [
  {
    name: 'sqlite',
    async database() {
      const dir = mkdtempSync(join(tmpdir(), 'dc-pub-'));
      return { url: `sqlite:${join(dir, 'inv.sqlite')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
    },
    open: (url) => openSqliteInventory(url.slice('sqlite:'.length)),
  },
  { name: 'mariadb', database: () => createMariadbDatabase('dc_pubimp'), open: (url) => openMysqlInventory(url) },
  { name: 'postgres', database: () => createPostgresDatabase('dc_pubimp'), open: (url) => openPostgresInventory(url) },
];

async function collect(inv: Inventory, site: string): Promise<[string, number, boolean][]> {
  const out: [string, number, boolean][] = [];
  for await (const b of inv.streamFiles(site)) for (const f of b) out.push([f.lfn, f.size, f.settled]);
  return out.sort((a, b) => a[0].localeCompare(b[0]));
}

for (const e of engines) {
  describe(`Dynamo's published layout on ${e.name}`, () => {
    it('imports into it (no files.dataset_id written) and reads the site back', async () => {
      const t = await e.database();
      try {
        const { db } = await openKysely<any>(t.url);
        try {
          await createPublishedDynamoSchema(db);
          await importSiteInventory(db, SITE, LINES);
          assert.equal((await collectColumns(db, 'files')).has('dataset_id'), false);
        } finally {
          await db.destroy();
        }
        const inv = await e.open(t.url);
        try {
          assert.deepEqual(await collect(inv, SITE), LINES.map((l) => [l.lfn, l.size, l.settled]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))));
          assert.ok((await inv.collectProtectedDatasets(SITE))?.has('/Prim/Era-Proc-v1/AODSIM'));
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
        const { db } = await openKysely<any>(t.url);
        try {
          await createPublishedDynamoSchema(db);
          await db.schema.dropTable('file_subscriptions').execute();
          await importSiteInventory(db, SITE, LINES);
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
        const { db } = await openKysely<any>(t.url);
        await createPublishedDynamoSchema(db as Kysely<any>);
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
