/**
 * Issue 11 §2 on the real PostgreSQL: its text columns hold UTF-8 only, so the inventory import
 * stores a name that is not UTF-8 escaped, and the inventory reads back the very bytes. (MariaDB's
 * Dynamo schema is not written by the import: its read path is the same code.)
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openSqlInventory } from '../../../src/inventory/sql/sql-inventory.ts';
import { importSiteInventory } from '../../../src/inventory/sql/dynamo-import.ts';
import type { DynamoDb } from '../../../src/inventory/sql/dynamo-schema.ts';
import type { Inventory } from '../../../src/inventory/inventory.ts';
import { openSql } from '../../../src/sql/sql-database.ts';
import { createPostgresDatabase, type TestDatabase } from '../../servers/databases.ts';

const D = '/store/mc/Era/Prim/TIER/Proc-v1/0000';
const NAMES = [
  `${D}/bad\udcff\udcfe.root`, // bytes FF FE: not UTF-8
  `${D}/caf\u00e9.root`, // UTF-8, stored as it is
  `${D}/literal\\xff.root`, // UTF-8 that looks escaped: must not come back as byte FF
  `${D}/back\\slash.root`,
];

const engines: { name: string; create: (p: string) => Promise<TestDatabase>; open: (url: string, o: { create?: boolean }) => Promise<Inventory> }[] = [
  { name: 'postgresql', create: createPostgresDatabase, open: (url, o) => openSqlInventory('postgres', url, o) },
];

for (const e of engines) {
  describe(`names that are not UTF-8 in a ${e.name} inventory (issue 11 §2)`, () => {
    it('imports them and reads back the same names; the database holds the escaped text', async () => {
      const t = await e.create('dc_bytes');
      try {
        (await e.open(t.url, { create: true })).close();
        const database = await openSql<DynamoDb>(t.url);
        const db = database.db;
        try {
          await importSiteInventory(database, 'T2_BYTES', NAMES.map((lfn, i) => ({ lfn, size: i + 1, settled: true })));
          const stored = (await db.selectFrom('files').select('name').execute()).map((r) => r.name).sort();
          assert.deepEqual(stored, [`${D}/back\\slash.root`, `${D}/bad\\xff\\xfe.root`, `${D}/caf\u00e9.root`, `${D}/literal\\\\xff.root`]);
        } finally {
          await db.destroy();
        }
        const inv = await e.open(t.url, {});
        try {
          const got: string[] = [];
          for await (const batch of inv.streamFiles('T2_BYTES')) for (const f of batch) got.push(f.lfn);
          assert.deepEqual(got.sort(), [...NAMES].sort());
        } finally {
          await inv.close();
        }
      } finally {
        await t.drop();
      }
    });
  });
}
