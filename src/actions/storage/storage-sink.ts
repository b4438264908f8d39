import { DcError, errorCode, errorMessage } from '../../core/errors.ts';
import { failpoint } from '../../core/failpoint.ts';
import { forEachLimited } from '../actions-pool.ts';
import type { ActionPlan, ActionRecord, ActionSink, SinkContext, SinkReport } from '../actions-types.ts';
import { createStorageDeleter } from './storage-deleter-factory.ts';
import { isNotEmpty, type StorageDeleter } from './storage-deleter.ts';

const DAY = 86400;

/**
 * Deletes confirmed orphans and empty directories on the storage itself (the site lists `storage`
 * in `Actions`). Each file is stat'ed first: one that became a directory or was written since the
 * check started (younger than IgnoreAge) is left alone. Directories go one at a time in plan order
 * (leaves first); a directory that holds anything by the time of its removal is refused (by the
 * storage, or by the deleter's own check just before) and recorded as `refused`.
 */
export class StorageSink implements ActionSink {
  readonly name = 'storage' as const;
  private deleter: StorageDeleter | undefined;

  constructor(private readonly make: (ctx: SinkContext) => Promise<StorageDeleter> = (ctx) => createStorageDeleter(ctx.site, ctx.config.env)) {}

  async execute(plan: ActionPlan, ctx: SinkContext): Promise<SinkReport> {
    const records: ActionRecord[] = [];
    const { site } = ctx;
    if (plan.deletions.length === 0 && plan.rmdirs.length === 0) return { records };
    this.deleter ??= await this.make(ctx);
    const deleter = this.deleter;
    const signal = ctx.signal ?? new AbortController().signal;
    const ageCut = ctx.now - site.IgnoreAge * DAY;
    const storagePath = (lfn: string) => site.PathPrefix + lfn;
    await forEachLimited(plan.deletions, site.DeleteThreads, async (lfn) => {
      records.push(await attempt(ctx, 'delete', lfn, async () => {
        const st = await deleter.stat(storagePath(lfn), signal);
        if (st.isDir) return { outcome: 'skipped', detail: 'now a directory' };
        if (st.mtime > ageCut) return { outcome: 'skipped', detail: `modified since the check (mtime ${new Date(st.mtime * 1000).toISOString()})` };
        await deleter.deleteFile(storagePath(lfn), signal);
        failpoint('acting');
        return { outcome: 'ok' };
      }));
    });
    for (const dir of plan.rmdirs) {
      records.push(await attempt(ctx, 'rmdir', dir, async () => {
        await deleter.removeEmptyDir(storagePath(dir), signal);
        return { outcome: 'ok' };
      }));
    }
    return { records };
  }

  async close(): Promise<void> {
    await this.deleter?.close();
    this.deleter = undefined;
  }
}

/**
 * One target: recorded `started` in the run's journal before the storage is touched and settled
 * with its outcome after, so a kill in between leaves a trace (src/actions ActionJournal). A target
 * whose start cannot be recorded is not touched.
 */
async function attempt(ctx: SinkContext, kind: 'delete' | 'rmdir', target: string, fn: () => Promise<{ outcome: ActionRecord['outcome']; detail?: string }>): Promise<ActionRecord> {
  const journal = ctx.journal;
  if (journal) {
    try {
      await journal.begin('storage', kind, target);
    } catch (err) {
      return { sink: 'storage', kind, target, outcome: 'skipped', detail: `not started: the history could not record it (${errorMessage(err)})` };
    }
  }
  const record = await outcomeOf(kind, target, fn);
  if (!journal) return record;
  try {
    await journal.settle(record);
    return { ...record, journaled: true };
  } catch (err) {
    // Recorded with the run's other actions instead; the `started` row stays as a trace.
    ctx.log('action-settle-failed', { site: ctx.site.name, target, error: errorMessage(err) });
    return record;
  }
}

async function outcomeOf(kind: 'delete' | 'rmdir', target: string, fn: () => Promise<{ outcome: ActionRecord['outcome']; detail?: string }>): Promise<ActionRecord> {
  try {
    const r = await fn();
    return { sink: 'storage', kind, target, ...r };
  } catch (err) {
    if (err instanceof DcError && err.code === 'NOT_FOUND') return { sink: 'storage', kind, target, outcome: 'gone', detail: 'already absent' };
    // Stopped (halt, SIGTERM): recorded, so the history says exactly what was and was not done.
    if (err instanceof DcError && err.code === 'ABORTED') return { sink: 'storage', kind, target, outcome: 'skipped', detail: 'run stopped before this action' };
    if (isNotEmpty(err)) return { sink: 'storage', kind, target, outcome: 'refused', detail: `not empty: ${errorMessage(err)}` };
    return { sink: 'storage', kind, target, outcome: 'failed', detail: `${errorCode(err)}: ${errorMessage(err)}` };
  }
}
