import { errorMessage } from '../core/errors.ts';
import { createSinks } from '../actions/actions-run.ts';
import type { ActionPlan, ActionRecord, ActionSink } from '../actions/actions-types.ts';
import type { UnmergedSettings } from './unmerged-settings.ts';
import type { UnmergedContext } from './unmerged-types.ts';

export interface UnmergedActOptions extends UnmergedContext {
  settings: UnmergedSettings;
  /** Files (LFNs) then directories (LFNs, leaves first) to remove. */
  files: readonly string[];
  dirs: readonly string[];
  /** Sinks to use instead of the site's registry/storage sinks (tests). */
  sinks?: ActionSink[];
}

/**
 * Hands the unmerged deletions to the site's `registry` (Dynamo's deletion_queue, by LFN, as the
 * original did) and `storage` sinks (by storage path: AlternateRoot may place the area outside
 * PathPrefix + LFN). The webhook sink is not used: it speaks of orphans. Every outcome goes to the
 * action log as `unmerged-delete` / `unmerged-rmdir`, and what every sink did is marked acted on.
 */
export async function actOnUnmerged(o: UnmergedActOptions): Promise<{ records: ActionRecord[]; sinks: string[] }> {
  const sinks = o.sinks ?? createSinks(o.site).filter((s) => s.name === 'registry' || s.name === 'storage');
  const records: ActionRecord[] = [];
  const ctxBase = { config: o.config, runId: o.runId, now: o.now, signal: o.signal, log: o.log };
  for (const sink of sinks) {
    const byPath = sink.name === 'storage';
    const back = new Map<string, string>();
    const target = (lfn: string) => {
      if (!byPath) return lfn;
      const p = o.settings.storagePathOf(lfn);
      back.set(p, lfn);
      return p;
    };
    const plan: ActionPlan = { transfers: [], deletions: o.files.map(target), rmdirs: o.dirs.map(target), notes: [] };
    // The storage sink deletes at PathPrefix + target: the targets already are storage paths.
    const site = byPath ? { ...o.site, PathPrefix: '' } : o.site;
    try {
      const rep = await sink.execute(plan, { ...ctxBase, site });
      for (const r of rep.records) records.push({ ...r, target: back.get(r.target) ?? r.target });
    } catch (err) {
      const detail = `sink failed: ${errorMessage(err)}`;
      for (const t of o.files) records.push({ sink: sink.name, kind: 'delete', target: t, outcome: 'failed', detail });
      for (const t of o.dirs) records.push({ sink: sink.name, kind: 'rmdir', target: t, outcome: 'failed', detail });
    } finally {
      await sink.close().catch(() => undefined);
    }
    o.log('unmerged-sink', { site: o.site.name, runId: o.runId, sink: sink.name });
  }
  await o.store.actions.record(records.map((r) => ({ runId: o.runId, site: o.site.name, sink: r.sink, kind: `unmerged-${r.kind}`, target: r.target, outcome: r.outcome, detail: r.detail })));
  const verdict = new Map<string, boolean>();
  for (const r of records) verdict.set(r.target, (verdict.get(r.target) ?? true) && (r.outcome === 'ok' || r.outcome === 'gone'));
  await o.store.findings.markActed(o.site.name, 'unmerged', [...verdict].filter(([, ok]) => ok).map(([t]) => t), o.runId);
  return { records, sinks: sinks.map((s) => s.name) };
}
