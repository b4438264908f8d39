import { nameToStoredText } from '../../core/escape.ts';
import type { Kysely } from 'kysely';
import type { DynamoDb } from '../../inventory/sql/dynamo-schema.ts';
import type { RegistryDb } from '../../inventory/sql/registry-schema.ts';
import { errorMessage } from '../../core/errors.ts';
import { PENDING_DELETION_STATES, PENDING_TRANSFER_STATES } from '../../inventory/sql/registry-schema.ts';
import type { ActionKind, ActionPlan, ActionRecord, ActionSink, SinkContext, SinkReport } from '../actions-types.ts';
import { onlyColumns } from '../../sql/sql-columns.ts';
import { openRegistry, type RegistryConnections } from './registry-db.ts';
import { SourceFinder } from './registry-sources.ts';

const CHUNK = 500;

/**
 * Dynamo's registry: `deletion_queue` rows for orphans and empty directories, `transfer_queue`
 * rows for missing files from the best source (disk before tape). A file with no disk source goes
 * to SITE_missing_nosite.txt (and is still copied from tape when a tape holds it); one with no
 * source at all also to SITE_unrecoverable.txt, and nothing is queued for it.
 * Requests already pending are not duplicated; finished or failed ones are queued again.
 * Rows carry only the columns the queue has (the seed's queues hold just reqid, file, site, status).
 */
export class RegistrySink implements ActionSink {
  readonly name = 'registry' as const;
  private conn: RegistryConnections | undefined;

  constructor(private readonly open: (ctx: SinkContext) => Promise<RegistryConnections> = (ctx) => openRegistry(ctx.config, ctx.site)) {}

  /**
   * The registry's tables hold names as the inventory stores them (nameToStoredText: a name that is
   * not UTF-8 escaped), so the plan is translated on the way in and the report on the way out.
   */
  async execute(plan: ActionPlan, ctx: SinkContext): Promise<SinkReport> {
    const back = new Map<string, string>();
    const stored = (names: readonly string[]) => names.map((n) => {
      const t = nameToStoredText(n);
      back.set(t, n);
      return t;
    });
    const rep = await this.executeStored({ ...plan, transfers: stored(plan.transfers), deletions: stored(plan.deletions), rmdirs: stored(plan.rmdirs) }, ctx);
    const name = (t: string) => back.get(t) ?? t;
    for (const r of rep.records) r.target = name(r.target);
    if (rep.outputs?.nosite) rep.outputs.nosite = rep.outputs.nosite.map(name);
    if (rep.outputs?.unrecoverable) rep.outputs.unrecoverable = rep.outputs.unrecoverable.map(name);
    return rep;
  }

  private async executeStored(plan: ActionPlan, ctx: SinkContext): Promise<SinkReport> {
    const records: ActionRecord[] = [];
    const nosite: string[] = [];
    const unrecoverable: string[] = [];
    if (!plan.deletions.length && !plan.rmdirs.length && !plan.transfers.length) return { records };
    const failAll = (kind: ActionKind, targets: readonly string[], detail: string) => {
      for (const t of targets) records.push({ sink: 'registry', kind, target: t, outcome: 'failed', detail });
    };
    try {
      this.conn ??= await this.open(ctx);
    } catch (err) {
      const msg = errorMessage(err);
      failAll('delete', plan.deletions, msg);
      failAll('rmdir', plan.rmdirs, msg);
      failAll('transfer', plan.transfers, msg);
      return { records };
    }
    const db = this.conn.registry.db;
    const site = ctx.site.name;
    for (const [kind, targets] of [['delete', plan.deletions], ['rmdir', plan.rmdirs]] as const) {
      try {
        records.push(...(await enqueueDeletions(db, this.conn.queueColumns.deletion_queue, site, targets, kind)));
      } catch (err) {
        failAll(kind, targets, `deletion_queue: ${errorMessage(err)}`);
      }
    }
    if (plan.transfers.length) {
      if (!this.conn.inventory) {
        for (const t of plan.transfers) records.push({ sink: 'registry', kind: 'transfer', target: t, outcome: 'skipped', detail: 'the inventory is not SQL: no replica information to find a source' });
      } else {
        try {
          const choices = await new SourceFinder(this.conn.inventory).choose(site, plan.transfers);
          const queued: { lfn: string; from: string; storage: string }[] = [];
          for (const c of choices) {
            if (c.storage !== 'disk') nosite.push(c.lfn);
            if (!c.source) {
              unrecoverable.push(c.lfn);
              records.push({ sink: 'registry', kind: 'transfer', target: c.lfn, outcome: 'skipped', detail: 'unrecoverable: no ready site holds a settled replica' });
            } else {
              queued.push({ lfn: c.lfn, from: c.source, storage: c.storage! });
            }
          }
          records.push(...(await enqueueTransfers(db, this.conn.queueColumns.transfer_queue, site, queued)));
        } catch (err) {
          failAll('transfer', plan.transfers, `transfer_queue: ${errorMessage(err)}`);
        }
      }
    }
    return { records, outputs: { nosite, unrecoverable } };
  }

  async close(): Promise<void> {
    await this.conn?.close();
    this.conn = undefined;
  }
}

/**
 * A request queued again: status new, and Dynamo's progress columns cleared where the queue has them.
 * `file`, `site…` and `status` are always written: ensureRegistryTables refused a queue without them.
 */
const REQUEUE: Pick<RegistryDb['deletion_queue'], 'status' | 'start' | 'finish' | 'batchid'> = { status: 'new', start: null, finish: null, batchid: null };

async function enqueueDeletions(db: Kysely<DynamoDb>, columns: ReadonlySet<string>, site: string, files: readonly string[], kind: 'delete' | 'rmdir'): Promise<ActionRecord[]> {
  const out: ActionRecord[] = [];
  for (let i = 0; i < files.length; i += CHUNK) {
    const chunk = files.slice(i, i + CHUNK);
    await db.transaction().execute(async (trx) => {
      const existing = new Map<string, string>(
        (await trx.selectFrom('deletion_queue').select(['file', 'status']).where('site', '=', site).where('file', 'in', chunk).execute()).map((r) => [r.file, r.status]),
      );
      const fresh = chunk.filter((f) => !existing.has(f));
      const redo = chunk.filter((f) => existing.has(f) && !(PENDING_DELETION_STATES as readonly string[]).includes(existing.get(f)!));
      if (fresh.length) await trx.insertInto('deletion_queue').values(fresh.map((file) => ({ ...onlyColumns({ reqid: 0 }, columns), file, site, status: 'new' }))).execute();
      if (redo.length) await trx.updateTable('deletion_queue').set(onlyColumns(REQUEUE, columns)).where('site', '=', site).where('file', 'in', redo).execute();
      for (const f of chunk) {
        const st = existing.get(f);
        const detail = st === undefined ? 'queued' : redo.includes(f) ? `queued again (was ${st})` : `already queued (${st})`;
        out.push({ sink: 'registry', kind, target: f, outcome: 'ok', detail });
      }
    });
  }
  return out;
}

async function enqueueTransfers(db: Kysely<DynamoDb>, columns: ReadonlySet<string>, site: string, items: readonly { lfn: string; from: string; storage: string }[]): Promise<ActionRecord[]> {
  const out: ActionRecord[] = [];
  for (let i = 0; i < items.length; i += CHUNK) {
    const chunk = items.slice(i, i + CHUNK);
    await db.transaction().execute(async (trx) => {
      const rows = await trx.selectFrom('transfer_queue').select(['file', 'site_from', 'status']).where('site_to', '=', site).where('file', 'in', chunk.map((c) => c.lfn)).execute();
      const pending = new Map<string, string>();
      const stale = new Set<string>();
      for (const r of rows) {
        if ((PENDING_TRANSFER_STATES as readonly string[]).includes(r.status)) pending.set(r.file, r.site_from);
        else stale.add(`${r.file}\n${r.site_from}`);
      }
      for (const c of chunk) {
        const detail = `from ${c.from} (${c.storage})`;
        if (pending.has(c.lfn)) {
          out.push({ sink: 'registry', kind: 'transfer', target: c.lfn, outcome: 'ok', detail: `already queued from ${pending.get(c.lfn)}` });
          continue;
        }
        if (stale.has(`${c.lfn}\n${c.from}`)) {
          await trx.updateTable('transfer_queue').set(onlyColumns(REQUEUE, columns)).where('file', '=', c.lfn).where('site_from', '=', c.from).where('site_to', '=', site).execute();
          out.push({ sink: 'registry', kind: 'transfer', target: c.lfn, outcome: 'ok', detail: `queued again ${detail}` });
          continue;
        }
        await trx.insertInto('transfer_queue').values({ ...onlyColumns({ reqid: 0 }, columns), file: c.lfn, site_from: c.from, site_to: site, status: 'new' }).execute();
        out.push({ sink: 'registry', kind: 'transfer', target: c.lfn, outcome: 'ok', detail: `queued ${detail}` });
      }
    });
  }
  return out;
}
