/**
 * Run in a child process with a small V8 heap (--max-old-space-size): reads one site of a SQL
 * inventory and prints how many rows came and the peak RSS. `stream` goes through streamFiles;
 * `load` fetches the same rows as one result set, the contrast that must not fit.
 */
import { Kysely } from 'kysely';
import { openSqlInventory } from '../../src/inventory/sql/sql-inventory.ts';
import { openSql } from '../../src/sql/sql-database.ts';

const [engine, url, site, mode] = process.argv.slice(2);
let peak = 0;
const sample = () => (peak = Math.max(peak, process.memoryUsage().rss));
if (mode === 'stream') {
  const inv = await openSqlInventory(engine === 'mysql' ? 'mysql' : 'postgres', url);
  let rows = 0;
  for await (const batch of inv.streamFiles(site)) {
    rows += batch.length;
    sample();
  }
  await inv.close();
  console.log(JSON.stringify({ rows, peakRss: peak }));
} else {
  const { db } = await openSql<any>(url);
  const rows = await (db as Kysely<any>).selectFrom('files').select(['name', 'size']).execute();
  sample();
  await db.destroy();
  console.log(JSON.stringify({ rows: rows.length, peakRss: peak }));
}
