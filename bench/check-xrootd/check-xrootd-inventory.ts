import { createConnection, type Connection } from 'mysql2/promise';
import { placeOf, type ImportLine } from '../../src/inventory/sql/dynamo-import.ts';
import { createDynamoSchema, type DynamoDb } from '../../src/inventory/sql/dynamo-schema.ts';
import { openSql } from '../../src/sql/sql-database.ts';
import { fileOf, PER_DIR } from './check-xrootd-tree.ts';

const ADMIN = { host: '127.0.0.1', port: 3306, user: 'root', database: 'test', connectTimeout: 5000 };

export interface BenchInventory {
  url: string;
  /** Inventory rows (the site's files in Dynamo's tables). */
  rows: number;
  /** Planted: in the inventory, not on the storage. */
  missing: number;
  /** Planted: on the storage, not in the inventory. */
  orphan: number;
  drop(): Promise<void>;
}

/** File i is on the storage but left out of the inventory (an orphan): 0.05 %. */
const isOrphan = (i: number) => i % 2000 === 7;
/** After file i the inventory names one file the storage lacks (a missing file): 0.005 %. */
const plantsMissing = (i: number) => i % 20000 === 3;

function inventoryLines(files: number): ImportLine[] {
  const lines: ImportLine[] = [];
  for (let i = 0; i < files; i++) {
    const f = fileOf(i);
    if (!isOrphan(i)) lines.push({ lfn: f.lfn, size: f.size, settled: true });
    if (plantsMissing(i)) lines.push({ lfn: f.lfn.replace(/file_(\d+)\.root$/, 'lost_$1.root'), size: 1234, settled: true });
  }
  return lines;
}

/**
 * Dynamo's tables on the local MariaDB, in database `dc_bench_check_xrootd_FILES`, holding `site`'s
 * inventory of the tree: written through the same import code as the `import` command, once, and
 * reused while the row count recorded beside it matches (a million rows take minutes to insert).
 */
export async function prepareInventory(site: string, files: number, log: (s: string) => void): Promise<BenchInventory> {
  const name = `dc_bench_check_xrootd_${files}`;
  const url = `mysql://root@127.0.0.1:3306/${name}`;
  let missing = 0;
  let orphan = 0;
  for (let i = 0; i < files; i++) {
    if (isOrphan(i)) orphan++;
    if (plantsMissing(i)) missing++;
  }
  const rows = files - orphan + missing;
  let conn;
  try {
    conn = await createConnection(ADMIN);
  } catch (err) {
    throw new Error(`MariaDB is not answering on 127.0.0.1:3306 as root (${(err as Error).message}): run scripts/setup-system.sh`);
  }
  try {
    const [found] = await conn.query(`SELECT rows_written FROM \`${name}\`.bench_marker`).catch(() => [[]]);
    if (Array.isArray(found) && found.length === 1 && Number((found[0] as { rows_written: number }).rows_written) === rows) {
      log(`inventory: reusing ${rows} rows in ${name}`);
    } else {
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
      const t0 = Date.now();
      const database = await openSql<DynamoDb>(url);
      try {
        await createDynamoSchema(database);
      } finally {
        await database.close();
      }
      await conn.changeUser({ database: name });
      const r = await writeDynamoRows(conn, site, inventoryLines(files));
      log(`inventory: ${r.files} rows in ${r.blocks} blocks of ${r.datasets} datasets written to ${name} in ${((Date.now() - t0) / 1000).toFixed(0)} s (${PER_DIR} files a block)`);
      await conn.query(`CREATE TABLE \`${name}\`.bench_marker (rows_written INTEGER NOT NULL)`);
      await conn.query(`INSERT INTO \`${name}\`.bench_marker VALUES (?)`, [rows]);
    }
  } finally {
    await conn.end();
  }
  return {
    url,
    rows,
    missing,
    orphan,
    drop: async () => {
      const c = await createConnection(ADMIN);
      try {
        await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await c.end();
      }
    },
  };
}

/** Rows a multi-row INSERT carries (well under max_allowed_packet with 100-byte names). */
const CHUNK = 5000;

async function insertRows(conn: Connection, table: string, columns: string[], rows: unknown[][]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    await conn.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ?`, [rows.slice(i, i + CHUNK)]);
  }
}

/**
 * The site's inventory as Dynamo keeps it: complete, group-owned block replicas of blocks filed
 * under datasets by the CMS LFN convention (the import command's `placeOf`). Written with
 * multi-row INSERTs and ids chosen here: `importSiteInventory` inserts row by row with RETURNING,
 * which takes far longer for a million files (and, on this MariaDB, loses the returned ids).
 */
async function writeDynamoRows(conn: Connection, site: string, lines: ImportLine[]): Promise<{ files: number; blocks: number; datasets: number }> {
  const datasets = new Map<string, number>();
  const blocks = new Map<string, [number, number]>();
  const fileRows: unknown[][] = [];
  for (const l of lines) {
    const place = placeOf(l.lfn, l.settled);
    let ds = datasets.get(place.dataset);
    if (ds === undefined) datasets.set(place.dataset, (ds = datasets.size + 1));
    let block = blocks.get(place.block);
    if (block === undefined) blocks.set(place.block, (block = [blocks.size + 1, ds]));
    fileRows.push([fileRows.length + 1, block[0], ds, l.lfn, l.size]);
  }
  await conn.query('INSERT INTO sites (id, name, status) VALUES (1, ?, ?)', [site, 'ready']);
  await conn.query('INSERT INTO `groups` (id, name) VALUES (1, ?)', ['AnalysisOps']);
  await insertRows(conn, 'datasets', ['id', 'name', 'status'], [...datasets].map(([name, id]) => [id, name, 'VALID']));
  await insertRows(conn, 'blocks', ['id', 'dataset_id', 'name'], [...blocks].map(([name, [id, ds]]) => [id, ds, name]));
  await insertRows(conn, 'files', ['id', 'block_id', 'dataset_id', 'name', 'size'], fileRows);
  await insertRows(conn, 'block_replicas', ['block_id', 'site_id', 'group_id', 'is_complete'], [...blocks.values()].map(([id]) => [id, 1, 1, 1]));
  return { files: fileRows.length, blocks: blocks.size, datasets: datasets.size };
}
