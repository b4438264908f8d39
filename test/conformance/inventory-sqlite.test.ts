import { describe } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openInventoryDatabase, openSqlInventory } from '../../src/inventory/sql/sql-inventory.ts';
import { createPublishedDynamoSchema } from '../helpers/dynamo-published-schema.ts';
import { loadFixtureSql } from './inventory-fixture.ts';
import { runInventoryConformance } from './inventory-suite.ts';
import { GENERIC_QUERY } from './inventory-sql-helpers.ts';
import { runSqlSnapshotCase } from './inventory-sql-engine.ts';

async function fixtureDb(): Promise<{ dir: string; path: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'dc-inv-sqlite-'));
  const path = join(dir, 'inventory.sqlite');
  const created = await openSqlInventory('sqlite', path, { create: true });
  await created.close();
  const database = await openInventoryDatabase({ engine: 'sqlite', location: path });
  await loadFixtureSql(database.db);
  await database.close();
  return { dir, path };
}

runInventoryConformance('sqlite (Dynamo schema)', async () => {
  const { dir, path } = await fixtureDb();
  const inventory = await openSqlInventory('sqlite', path);
  return { inventory, teardown: async () => { await inventory.close(); await rm(dir, { recursive: true, force: true }); } };
});

runInventoryConformance("sqlite (Dynamo's published schema: files without dataset_id)", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dc-inv-sqlite-'));
  const path = join(dir, 'inventory.sqlite');
  const database = await openInventoryDatabase({ engine: 'sqlite', location: path });
  try {
    await createPublishedDynamoSchema(database);
    await loadFixtureSql(database.db, 'published');
  } finally {
    await database.close();
  }
  const inventory = await openSqlInventory('sqlite', path);
  return { inventory, teardown: async () => { await inventory.close(); await rm(dir, { recursive: true, force: true }); } };
});

runInventoryConformance(
  'sqlite (generic SQL query)',
  async () => {
    const { dir, path } = await fixtureDb();
    const inventory = await openSqlInventory('sqlite', path, { query: GENERIC_QUERY });
    return { inventory, teardown: async () => { await inventory.close(); await rm(dir, { recursive: true, force: true }); } };
  },
  { datasets: 'the operator query returns files only', siteList: 'the operator query is per site' },
);

describe('sqlite inventory: read snapshot', () =>
  runSqlSnapshotCase('sqlite', async (prefix) => {
    const dir = await mkdtemp(join(tmpdir(), `${prefix}-`));
    return { url: `sqlite:${join(dir, 'snapshot.sqlite')}`, name: prefix, drop: () => rm(dir, { recursive: true, force: true }) };
  }));
