import type { Config, SiteConfig } from '../config/config-loader.ts';
import { errorMessage } from '../core/errors.ts';
import type { GateDecision } from '../check/gates.ts';
import type { HistoryStore } from '../store/history-store.ts';
import { collectAwaiting, planActions } from './actions-confirm.ts';
import type { ActionCounts, ActionJournal, ActionPlan, ActionRecord, ActionSink, ActionsReport, HeldCount, SinkContext, SinkName, SinkOutcomeCount, SinkOutputs } from './actions-types.ts';
import { RegistrySink } from './registry/registry-sink.ts';
import { StorageSink } from './storage/storage-sink.ts';
import { WebhookSink } from './webhook/webhook-sink.ts';

/** The site's sinks, in the order they act: registry requests first, then notification, then storage. */
export function createSinks(site: SiteConfig): ActionSink[] {
  const make: Record<SinkName, () => ActionSink> = { registry: () => new RegistrySink(), webhook: () => new WebhookSink(), storage: () => new StorageSink() };
  return sinkOrder(site).map((n) => make[n]());
}

function sinkOrder(site: SiteConfig): SinkName[] {
  const order: SinkName[] = ['registry', 'webhook', 'storage'];
  return order.filter((n) => site.Actions.includes(n));
}

export interface ActOptions {
  config: Config;
  site: SiteConfig;
  store: HistoryStore;
  runId: number;
  gates: GateDecision;
  /** Run start, epoch seconds. */
  now: number;
  signal?: AbortSignal;
  log?: (event: string, fields: Record<string, unknown>) => void;
  /** Sinks to use instead of the site's `Actions` (tests, embedding). */
  sinks?: ActionSink[];
}

export interface ActResult {
  summary: ActionsReport;
  outputs: SinkOutputs;
  records: ActionRecord[];
}

const KINDS = [
  ['transfer', 'transfers'],
  ['delete', 'deletions'],
  ['rmdir', 'rmdirs'],
] as const;

const zero = (): ActionCounts => ({ transfers: 0, deletions: 0, rmdirs: 0 });

/** The report of a run that never reached its actions (a failed run): nothing confirmed, nothing done. */
export function notActedReport(site: SiteConfig, note: string): ActionsReport {
  return { allowed: false, sinks: sinkOrder(site), confirmed: zero(), planned: zero(), held: [], awaiting: [], actedEarlier: { missing: 0, orphan: 0, empty: 0 }, done: [], notes: [note] };
}

const countsOf = (plan: ActionPlan): ActionCounts => ({ transfers: plan.transfers.length, deletions: plan.deletions.length, rmdirs: plan.rmdirs.length });

/**
 * Acts on one finished run (its findings already recorded): nothing at all unless every gate
 * passed; otherwise the confirmed plan goes to each sink, every outcome is recorded in the
 * history's `actions` table, and a finding every sink handled (ok or already gone) is marked acted
 * on so later runs do not repeat it. A sink that fails leaves its findings for the next run.
 * Either way the report says what was confirmed, what was done, and why the rest was not.
 */
export async function actOnRun(o: ActOptions): Promise<ActResult> {
  const log = o.log ?? (() => undefined);
  const detail = await planActions(o.store, o.site, o.runId, o.now);
  const { plan } = detail;
  const { awaiting, actedEarlier } = await collectAwaiting(o.store, o.site, o.runId, o.now);
  const summary: ActionsReport = {
    allowed: o.gates.act,
    sinks: o.sinks ? o.sinks.map((s) => s.name) : sinkOrder(o.site),
    confirmed: detail.confirmed,
    planned: zero(),
    held: [...detail.held],
    awaiting,
    actedEarlier,
    done: [],
    notes: [...plan.notes],
  };
  const holdAll = (reason: HeldCount['reason'], text: string, counts: ActionCounts) => {
    for (const [kind, key] of KINDS) if (counts[key] > 0) summary.held.push({ reason, kind, count: counts[key], detail: text });
  };
  if (!o.gates.act) {
    holdAll('gates', o.gates.held.map((g) => `${g.gate} (${g.reason})`).join('; '), countsOf(plan));
    summary.notes.unshift('no action: ' + o.gates.held.map((g) => g.gate).join(', '));
    return { summary, outputs: {}, records: [] };
  }
  const sinks = o.sinks ?? createSinks(o.site);
  if (sinks.length === 0) {
    holdAll('no-sink', 'no sink configured (Actions is empty)', countsOf(plan));
    if (plan.transfers.length + plan.deletions.length + plan.rmdirs.length > 0) summary.notes.push('confirmed findings but no sink configured (Actions is empty)');
    return { summary, outputs: {}, records: [] };
  }
  summary.planned = countsOf(plan);
  const journal: ActionJournal = {
    begin: (sink, kind, target) => o.store.actions.begin({ runId: o.runId, site: o.site.name, sink, kind, target }),
    settle: (r) => o.store.actions.settle({ runId: o.runId, site: o.site.name, ...r }),
  };
  const ctx: SinkContext = { config: o.config, site: o.site, runId: o.runId, now: o.now, signal: o.signal, log, journal };
  const records: ActionRecord[] = [];
  const outputs: SinkOutputs = {};
  for (const sink of sinks) {
    try {
      const rep = await sink.execute(plan, ctx);
      records.push(...rep.records);
      if (rep.outputs?.nosite) outputs.nosite = [...(outputs.nosite ?? []), ...rep.outputs.nosite];
      if (rep.outputs?.unrecoverable) outputs.unrecoverable = [...(outputs.unrecoverable ?? []), ...rep.outputs.unrecoverable];
    } catch (err) {
      // A sink must record per-target outcomes; one that throws still leaves a trace for each.
      const detail = `sink failed: ${errorMessage(err)}`;
      for (const t of plan.transfers) records.push({ sink: sink.name, kind: 'transfer', target: t, outcome: 'failed', detail });
      for (const t of plan.deletions) records.push({ sink: sink.name, kind: 'delete', target: t, outcome: 'failed', detail });
      for (const t of plan.rmdirs) records.push({ sink: sink.name, kind: 'rmdir', target: t, outcome: 'failed', detail });
    } finally {
      await sink.close().catch(() => undefined);
    }
    log('actions-sink', { site: o.site.name, runId: o.runId, sink: sink.name });
  }
  await o.store.actions.record(records.filter((r) => !r.journaled).map(({ journaled: _, ...r }) => ({ runId: o.runId, site: o.site.name, ...r })));
  summary.done = countOutcomes(records, detail.sizes);
  // Planned targets no configured sink took (e.g. transfers with only the storage sink).
  const taken = new Set(records.map((r) => `${r.kind}\n${r.target}`));
  for (const [kind, key] of KINDS) {
    const n = plan[key].filter((t) => !taken.has(`${kind}\n${t}`)).length;
    if (n > 0) summary.held.push({ reason: 'no-sink', kind, count: n, detail: `no sink in Actions [${summary.sinks.join(', ')}] acts on ${key}` });
  }
  // Acted on = some sink handled it and none failed or skipped it.
  const verdict = new Map<string, boolean>();
  for (const r of records) {
    const key = `${r.kind}\n${r.target}`;
    const good = r.outcome === 'ok' || r.outcome === 'gone';
    verdict.set(key, (verdict.get(key) ?? true) && good);
  }
  const acted = (kind: string, lfns: readonly string[]) => lfns.filter((l) => verdict.get(`${kind}\n${l}`) === true);
  await o.store.findings.markActed(o.site.name, 'missing', acted('transfer', plan.transfers), o.runId);
  await o.store.findings.markActed(o.site.name, 'orphan', acted('delete', plan.deletions), o.runId);
  await o.store.findings.markActed(o.site.name, 'empty', acted('rmdir', plan.rmdirs), o.runId);
  return { summary, outputs, records };
}

/** Records counted per sink, kind and outcome, with the files' bytes and a few distinct details. */
function countOutcomes(records: readonly ActionRecord[], sizes: ReadonlyMap<string, number>): SinkOutcomeCount[] {
  const groups = new Map<string, SinkOutcomeCount>();
  for (const r of records) {
    const key = `${r.sink}\n${r.kind}\n${r.outcome}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { sink: r.sink, kind: r.kind, outcome: r.outcome, count: 0 }));
    g.count++;
    const size = r.kind === 'rmdir' ? undefined : sizes.get(r.target);
    if (size !== undefined && size > 0) g.bytes = (g.bytes ?? 0) + size;
    if (r.outcome !== 'ok' && r.detail) {
      const d = r.detail.replaceAll(r.target, '…');
      g.details ??= [];
      if (g.details.length < 3 && !g.details.includes(d)) g.details.push(d);
    }
  }
  return [...groups.values()];
}
