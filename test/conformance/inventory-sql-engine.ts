/**
 * What every server SQL engine runs besides the conformance suite: the generic-query mode, a
 * 1 M-row site read in a child whose heap could never hold it as one result set, and the
 * password handling of the `Inventory` configuration block.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql, type Kysely } from 'kysely';
import type { Inventory } from '../../src/inventory/inventory.ts';
import type { SqlInventoryOptions } from '../../src/inventory/sql/sql-inventory.ts';
import { openSql } from '../../src/sql/sql-database.ts';
import type { TestDatabase } from '../servers/databases.ts';
import { createPublishedDynamoSchema } from '../helpers/dynamo-published-schema.ts';
import { loadFixtureSql } from './inventory-fixture.ts';
import { runInventoryConformance } from './inventory-suite.ts';
import { GENERIC_QUERY } from './inventory-sql-helpers.ts';

export interface SqlEngineUnderTest {
  name: string;
  engine: 'mysql' | 'postgres';
  createDatabase(prefix: string): Promise<TestDatabase>;
  open(url: string, opts?: SqlInventoryOptions): Promise<Inventory>;
  /** Kills every other server connection to the database (KILL / pg_terminate_backend). */
  killConnections(db: TestDatabase): Promise<number>;
}

export const BIG_SITE = 'T2_XX_Big';
export const BIG_ROWS = 1_000_000;
/** Heap for the child: 1 M rows of 150-character names as objects need several times this. */
const CHILD_HEAP_MB = 96;

/** Each mode gets its own database with the fixture: suites run one after the other. */
export function runSqlEngineConformance(e: SqlEngineUnderTest): void {
  const setup = (query?: string) => async () => {
    const t = await e.createDatabase('dc_inv');
    try {
      const created = await e.open(t.url, { create: true });
      await created.close();
      const { db } = await openSql<any>(t.url);
      try {
        await loadFixtureSql(db);
      } finally {
        await db.destroy();
      }
      const inventory = await e.open(t.url, query ? { query } : {});
      return { inventory, teardown: async () => { await inventory.close(); await t.drop(); } };
    } catch (err) {
      await t.drop();
      throw err;
    }
  };
  // Dynamo's published layout (files without dataset_id, the seed's minimal registry queues),
  // created as Dynamo ships it, never by this tool (issue 10 §5).
  const setupPublished = async () => {
    const t = await e.createDatabase('dc_invpub');
    try {
      const database = await openSql<any>(t.url);
      try {
        await createPublishedDynamoSchema(database);
        await loadFixtureSql(database.db, 'published');
      } finally {
        await database.close();
      }
      const inventory = await e.open(t.url);
      return { inventory, teardown: async () => { await inventory.close(); await t.drop(); } };
    } catch (err) {
      await t.drop();
      throw err;
    }
  };
  runInventoryConformance(`${e.name} (Dynamo schema)`, setup());
  runInventoryConformance(`${e.name} (Dynamo's published schema: files without dataset_id)`, setupPublished);
  runInventoryConformance(`${e.name} (generic SQL query)`, setup(GENERIC_QUERY), {
    datasets: 'the operator query returns files only',
    siteList: 'the operator query is per site',
  });
}

/** Fills a fresh database with one site of BIG_ROWS files with long names, server side. */
async function loadBigSite(e: SqlEngineUnderTest, db: Kysely<any>): Promise<void> {
  await db.insertInto('sites').values({ name: BIG_SITE, status: 'ready' }).execute();
  await db.insertInto('datasets').values({ name: '/Big/Era-Proc-v1/AODSIM', status: 'VALID' }).execute();
  await db.insertInto('blocks').values({ dataset_id: 1, name: '/Big/Era-Proc-v1/AODSIM#1' }).execute();
  await db.insertInto('block_replicas').values({ block_id: 1, site_id: 1, group_id: 1, is_complete: 1 }).execute();
  const prefix = `/store/mc/Era/Big/AODSIM/Proc-v1/${'x'.repeat(90)}/file-`;
  if (e.engine === 'mysql') {
    await sql`INSERT INTO files (block_id, dataset_id, name, size) SELECT 1, 1, CONCAT(${prefix}, LPAD(seq, 10, '0'), '.root'), seq FROM seq_1_to_${sql.raw(String(BIG_ROWS))}`.execute(db);
  } else {
    await sql`INSERT INTO files (block_id, dataset_id, name, size) SELECT 1, 1, ${prefix} || LPAD(g::text, 10, '0') || '.root', g FROM generate_series(1, ${BIG_ROWS}) g`.execute(db);
  }
}

function runChild(args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [`--max-old-space-size=${CHILD_HEAP_MB}`, '--import', 'tsx', fileURLToPath(new URL('./inventory-stream-child.ts', import.meta.url)), ...args], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out })));
}

export function runSqlEngineStreaming(e: SqlEngineUnderTest): void {
  it(`streams a ${BIG_ROWS / 1e6} M-file site through a cursor in a ${CHILD_HEAP_MB} MB heap, where one result set does not fit`, { timeout: 180_000 }, async () => {
    const t = await e.createDatabase('dc_big');
    try {
      const inv = await e.open(t.url, { create: true });
      await inv.close();
      const { db } = await openSql<any>(t.url);
      try {
        await loadBigSite(e, db);
      } finally {
        await db.destroy();
      }
      const streamed = await runChild([e.engine, t.url, BIG_SITE, 'stream']);
      assert.equal(streamed.code, 0, streamed.out);
      const r = JSON.parse(streamed.out.trim().split('\n').pop()!);
      assert.equal(r.rows, BIG_ROWS);
      const loaded = await runChild([e.engine, t.url, BIG_SITE, 'load']);
      assert.notEqual(loaded.code, 0, `loading ${BIG_ROWS} rows at once should exhaust a ${CHILD_HEAP_MB} MB heap: ${loaded.out.slice(-300)}`);
      assert.match(loaded.out, /heap out of memory|Allocation failed/i);
      await killMidStream(e, t);
    } finally {
      await t.drop();
    }
  });
}

/** A connection lost in the middle of a site must fail the read, never end it early and quietly. */
async function killMidStream(e: SqlEngineUnderTest, t: TestDatabase): Promise<void> {
  const inv = await e.open(t.url);
  let rows = 0;
  let killed = 0;
  try {
    await assert.rejects(
      (async () => {
        for await (const batch of inv.streamFiles(BIG_SITE)) {
          rows += batch.length;
          if (rows >= 20_000 && killed === 0) killed = await e.killConnections(t);
        }
      })(),
      (err: unknown) => err instanceof Error,
    );
  } finally {
    await inv.close().catch(() => undefined);
  }
  assert.ok(killed > 0, 'the streaming connection was found and killed');
  assert.ok(rows < BIG_ROWS, `read stopped at ${rows} rows`);
}

/**
 * The read snapshot a check's "before" inventory is read in while the listing runs (issue 13):
 * fixed when open, blind to every write after it, in its small queries and in its streams alike.
 */
export function runSqlSnapshotCase(name: string, createDatabase: (prefix: string) => Promise<TestDatabase>): void {
  it(`${name}: a read snapshot is fixed when open; neither its queries nor its streams see later writes`, async () => {
    const t = await createDatabase('dc_snap');
    try {
      const database = await openSql<any>(t.url);
      const ROWS = 2500;
      const ids = async () => (await database.db.selectFrom('names').select('id').orderBy('id').execute()).map((r) => Number(r.id));
      try {
        await database.db.schema.createTable('names').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('name', 'varchar(64)').execute();
        for (let i = 1; i <= ROWS; i += 500) {
          await database.db.insertInto('names').values(Array.from({ length: 500 }, (_, k) => ({ id: i + k, name: `n${i + k}` }))).execute();
        }
        const snapshot = await database.openSnapshot();
        try {
          await database.db.insertInto('names').values({ id: 9999, name: 'late' }).execute();
          await database.db.deleteFrom('names').where('id', '<=', 10).execute();
          const query = database.db.selectFrom('names').select(['id', 'name']).orderBy('id').compile();
          const all = await snapshot.collectArrays(query);
          assert.equal(all.length, ROWS, 'the query sees the rows as they were when the snapshot opened');
          assert.deepEqual(all[0].map(String), ['1', 'n1'], 'rows are arrays in select order');
          const streamed: number[] = [];
          let batches = 0;
          for await (const batch of snapshot.streamArrays(query, 1000)) {
            // Everything is deleted while the stream is between batches.
            if (batches++ === 0) await database.db.deleteFrom('names').execute();
            for (const r of batch) streamed.push(Number(r[0]));
          }
          assert.ok(batches >= 3, `${batches} batches of about 1000 rows`);
          assert.deepEqual(streamed, Array.from({ length: ROWS }, (_, k) => k + 1), 'the stream sees the rows as they were when the snapshot opened');
        } finally {
          await snapshot.close();
        }
        assert.deepEqual(await ids(), [], 'outside the snapshot, the writes are there');
      } finally {
        await database.close();
      }
    } finally {
      await t.drop();
    }
  });
}

/** Config-level password handling, through openInventory, with redacted messages. */
export async function withConfigFile(inventory: Record<string, unknown>, fn: (file: string, dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'dc-inv-cfg-'));
  try {
    const file = join(dir, 'config.json');
    await writeFile(file, JSON.stringify({ Sites: { T2_XX_Alpha: { Url: 'file:///nonexistent' } }, Inventory: inventory }));
    await fn(file, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
