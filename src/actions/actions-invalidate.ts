import { nameToStoredText } from '../core/escape.ts';
import type { Config } from '../config/config-loader.ts';
import { siteConfig } from '../config/config-loader.ts';
import type { HistoryStore } from '../store/history-store.ts';
import { openRegistry, type RegistryConnections } from './registry/registry-db.ts';

export interface InvalidateReport {
  site: string;
  /** Why nothing was done for the site, when nothing was. */
  skipped?: string;
  runId?: number;
  invalidated: number;
  alreadyInvalidated: number;
}

/**
 * The seed's `consistency-invalidate`: for each site in `act` mode whose last finished run passed
 * every gate, writes a `local_invalidations` row (site, lfn) to the registry for each confirmed
 * missing file of that run, records it in the history's actions and marks the finding acted on.
 * Files already invalidated are not written twice.
 */
export async function invalidateMissing(
  config: Config,
  store: HistoryStore,
  sites: readonly string[],
  opts: { dryRun?: boolean; open?: typeof openRegistry } = {},
): Promise<InvalidateReport[]> {
  const out: InvalidateReport[] = [];
  for (const name of sites) {
    const site = siteConfig(config, name);
    const rep: InvalidateReport = { site: name, invalidated: 0, alreadyInvalidated: 0 };
    out.push(rep);
    const state = await store.states.get(name);
    if (state.mode !== 'act') {
      rep.skipped = 'site is in dry mode';
      continue;
    }
    if (state.status === 'disable') {
      rep.skipped = 'site is disabled';
      continue;
    }
    const last = await store.runs.lastDone(name);
    if (!last) {
      rep.skipped = 'no finished run';
      continue;
    }
    rep.runId = last.id;
    const held = last.gatesHeld;
    if (held.length) {
      rep.skipped = `the last run (${last.id}) was held by ${held.join(', ')}`;
      continue;
    }
    const rows = await store.findings.collectOfRun(name, last.id, 'missing', { minConsecutive: site.MissingConfirmations });
    if (rows.length === 0) continue;
    const firstRun = Math.min(...rows.map((r) => r.firstRun));
    const done = await store.actions.collectDoneTargets(name, 'invalidate', 'invalidate', firstRun);
    const todo = rows.map((r) => ({ lfn: r.lfn })).filter((r) => !done.has(r.lfn));
    rep.alreadyInvalidated = rows.length - todo.length;
    if (opts.dryRun || todo.length === 0) {
      if (opts.dryRun) rep.skipped = `dry run: ${todo.length} would be invalidated`;
      continue;
    }
    let conn: RegistryConnections | undefined;
    try {
      conn = await (opts.open ?? openRegistry)(config, site);
      // The registry holds names as the inventory stores them.
      await writeInvalidations(conn, name, todo.map((t) => nameToStoredText(t.lfn)));
    } finally {
      await conn?.close();
    }
    await store.actions.record(todo.map((t) => ({ runId: last.id, site: name, sink: 'invalidate', kind: 'invalidate', target: t.lfn, outcome: 'ok', detail: 'local_invalidations' })));
    await store.findings.markActed(name, 'missing', todo.map((t) => t.lfn), last.id);
    rep.invalidated = todo.length;
  }
  return out;
}

async function writeInvalidations(conn: RegistryConnections, site: string, lfns: readonly string[]): Promise<void> {
  const created = new Date().toISOString();
  for (let i = 0; i < lfns.length; i += 500) {
    const chunk = lfns.slice(i, i + 500);
    await conn.registry.db.transaction().execute(async (trx) => {
      const have = new Set((await trx.selectFrom('local_invalidations').select('lfn').where('site', '=', site).where('lfn', 'in', chunk).execute()).map((r) => r.lfn));
      const fresh = chunk.filter((l) => !have.has(l));
      if (fresh.length) await trx.insertInto('local_invalidations').values(fresh.map((lfn) => ({ site, lfn, created }))).execute();
    });
  }
}
