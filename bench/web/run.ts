// Dashboard benchmark: the summary page, its JSON and /metrics for 500 sites × 365 runs each,
// measured as server time (fastify.inject: no network). Prints the numbers; exits 1 when the
// summary's median is over 200 ms.
//   node --import tsx bench/web/run.ts [--sites 500] [--runs 365] [--db sqlite|postgres|mysql]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/config-loader.ts';
import type { Kysely } from 'kysely';
import { openSql } from '../../src/sql/sql-database.ts';
import type { StoreDb } from '../../src/store/history-schema.ts';
import { HistoryStore } from '../../src/store/history-store.ts';
import { createWebServer } from '../../src/web/web-server.ts';
import { makeSummary } from '../../test/integration/web/web-fixture.ts';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
}
const SITES = Number(arg('sites', '500'));
const RUNS = Number(arg('runs', '365'));
const DB = arg('db', 'sqlite');
// Their own databases (create them first: CREATE DATABASE dc_web_bench): the bench empties its tables.
const URLS: Record<string, string> = { postgres: 'postgres://postgres@127.0.0.1:5432/dc_web_bench', mysql: 'mysql://root@127.0.0.1:3306/dc_web_bench' };

const dir = mkdtempSync(join(tmpdir(), 'dc-bench-web-'));
const names = Array.from({ length: SITES }, (_, i) => `T${1 + (i % 3)}_XX_Site${String(i).padStart(4, '0')}`);
const history = DB === 'sqlite' ? `sqlite:${join(dir, 'history.sqlite')}` : URLS[DB];
writeFileSync(join(dir, 'config.json'), JSON.stringify({ VarLocation: 'var', WebDir: 'www', History: { Url: history }, Sites: Object.fromEntries(names.map((n) => [n, { Url: `file:///nonexistent/${n}` }])) }));
const config = loadConfig(join(dir, 'config.json'), {});
const store = await HistoryStore.open(config.historyUrl);
// The runs are written from a second connection: the store keeps its database to itself.
const raw = await openSql<StoreDb>(config.historyUrl);
if (DB !== 'sqlite') {
  await raw.db.deleteFrom('runs').execute();
  await raw.db.deleteFrom('site_states').execute();
}
await store.states.ensure(names);

const t0 = performance.now();
const DAY = 86400_000;
const start = Date.now() - RUNS * DAY;
let rows: any[] = [];
const flush = async (trx: Kysely<StoreDb>) => {
  if (rows.length) await trx.insertInto('runs').values(rows).execute();
  rows = [];
};
await raw.db.transaction().execute(async (trx) => {
  for (let s = 0; s < SITES; s++) {
    for (let r = 0; r < RUNS; r++) {
      const last = r === RUNS - 1;
      const status = last && s % 10 === 0 ? 'running' : r % 17 === 5 ? 'failed' : 'done';
      const t = new Date(start + r * DAY + s * 1000).toISOString();
      const missing = (s * 7 + r) % 50;
      const orphan = (s * 3 + r) % 80;
      const sum = status === 'done' ? makeSummary(names[s], 0, { files: 100_000 + r, missing, orphan, unlisted: r % 5 === 0 ? [{ lfn: `/store/mc/x${r}`, code: 'TIMEOUT', message: 'no answer in 300 s', attempts: 3 }] : [] }) : null;
      rows.push({
        site: names[s], status, started_at: t, finished_at: status === 'running' ? null : t, heartbeat_at: t, progress: status === 'running' ? JSON.stringify({ phase: 'listing', dirsListed: 10, files: 1000 }) : null,
        summary: sum ? JSON.stringify(sum) : null, files: 100_000 + r, bytes: 2e11, directories: 5000, missing, missing_bytes: missing * 2e6, orphan, orphan_bytes: orphan * 3e6,
        size_mismatch: 0, empty_dirs: 3, unlisted: r % 5 === 0 ? 1 : 0, new_files: 2, inventory_files: 100_000, duration: 3600 + r, gates_held: JSON.stringify(['DryMode']), acted: 0, error: status === 'failed' ? 'listing failed' : null,
      });
      if (rows.length >= 200) await flush(trx);
    }
  }
  await flush(trx);
});
await raw.close();
console.log(`history: ${SITES} sites × ${RUNS} runs (${SITES * RUNS} runs) on ${DB} written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const { app, ctx } = await createWebServer({ config, store });
await app.ready();
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
async function measure(label: string, fn: () => Promise<unknown>, n = 15): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  console.log(`${label.padEnd(28)} median ${median(times).toFixed(1)} ms  max ${Math.max(...times).toFixed(1)} ms`);
  return median(times);
}
await measure('latest-runs query', () => ctx.store.runs.collectLatest());
const html = await measure('GET / (summary page)', async () => {
  const r = await app.inject({ method: 'GET', url: '/' });
  if (r.statusCode !== 200 || !r.body.includes(names[SITES - 1])) throw new Error(`summary failed: ${r.statusCode}`);
});
await measure('GET /api/sites', () => app.inject({ method: 'GET', url: '/api/sites' }));
await measure('GET /metrics', () => app.inject({ method: 'GET', url: '/metrics' }));
await measure(`GET /sites/${names[0]}`, () => app.inject({ method: 'GET', url: `/sites/${names[0]}` }));
await app.close();
await store.close();
rmSync(dir, { recursive: true, force: true });
console.log(html < 200 ? `OK: summary server time ${html.toFixed(1)} ms < 200 ms` : `TOO SLOW: summary server time ${html.toFixed(1)} ms >= 200 ms`);
process.exitCode = html < 200 ? 0 : 1;
