import type { Config, SiteConfig } from '../config/config-loader.ts';
import { errorMessage } from '../core/errors.ts';
import type { GateDecision } from '../check/gates.ts';
import { markActed, recordActions } from '../store/action-log.ts';
import type { HistoryStore } from '../store/history-store.ts';
import { planActions } from './actions-confirm.ts';
import type { ActionRecord, ActionSink, ActionsSummary, SinkContext, SinkName, SinkOutputs } from './actions-types.ts';
import { RegistrySink } from './registry/registry-sink.ts';
import { StorageSink } from './storage/storage-sink.ts';
import { WebhookSink } from './webhook/webhook-sink.ts';

/** The site's sinks, in the order they act: registry requests first, then notification, then storage. */
export function createSinks(site: SiteConfig): ActionSink[] {
  const order: SinkName[] = ['registry', 'webhook', 'storage'];
  const make: Record<SinkName, () => ActionSink> = { registry: () => new RegistrySink(), webhook: () => new WebhookSink(), storage: () => new StorageSink() };
  return order.filter((n) => site.Actions.includes(n)).map((n) => make[n]());
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
  summary: ActionsSummary;
  outputs: SinkOutputs;
  records: ActionRecord[];
}

const emptySummary = (notes: string[] = []): ActionsSummary => ({ planned: { transfers: 0, deletions: 0, rmdirs: 0 }, notes, bySink: {} });

/**
 * Acts on one finished run (its findings already recorded): nothing at all unless every gate
 * passed; otherwise the confirmed plan goes to each sink, every outcome is recorded in the
 * history's `actions` table, and a finding every sink handled (ok or already gone) is marked acted
 * on so later runs do not repeat it. A sink that fails leaves its findings for the next run.
 */
export async function actOnRun(o: ActOptions): Promise<ActResult> {
  const log = o.log ?? (() => undefined);
  if (!o.gates.act) return { summary: emptySummary(['no action: ' + o.gates.held.map((g) => g.gate).join(', ')]), outputs: {}, records: [] };
  const { plan } = await planActions(o.store, o.site, o.runId, o.now);
  const summary = emptySummary(plan.notes);
  summary.planned = { transfers: plan.transfers.length, deletions: plan.deletions.length, rmdirs: plan.rmdirs.length };
  const sinks = o.sinks ?? createSinks(o.site);
  if (sinks.length === 0) {
    if (plan.transfers.length + plan.deletions.length + plan.rmdirs.length > 0) summary.notes.push('confirmed findings but no sink configured (Actions is empty)');
    return { summary, outputs: {}, records: [] };
  }
  const ctx: SinkContext = { config: o.config, site: o.site, runId: o.runId, now: o.now, signal: o.signal, log };
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
  await recordActions(o.store, records.map((r) => ({ runId: o.runId, site: o.site.name, ...r })));
  for (const r of records) {
    const s = (summary.bySink[r.sink] ??= {});
    const k = `${r.kind}:${r.outcome}`;
    s[k] = (s[k] ?? 0) + 1;
  }
  // Acted on = some sink handled it and none failed or skipped it.
  const verdict = new Map<string, boolean>();
  for (const r of records) {
    const key = `${r.kind}\n${r.target}`;
    const good = r.outcome === 'ok' || r.outcome === 'gone';
    verdict.set(key, (verdict.get(key) ?? true) && good);
  }
  const acted = (kind: string, lfns: readonly string[]) => lfns.filter((l) => verdict.get(`${kind}\n${l}`) === true);
  await markActed(o.store, o.site.name, 'missing', acted('transfer', plan.transfers), o.runId);
  await markActed(o.store, o.site.name, 'orphan', acted('delete', plan.deletions), o.runId);
  await markActed(o.store, o.site.name, 'empty', acted('rmdir', plan.rmdirs), o.runId);
  return { summary, outputs, records };
}
