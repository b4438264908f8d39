import type { Kysely } from 'kysely';
import type { StoreDb } from './history-schema.ts';

/** A segment some execution of a shard finished: every chunk of it is written. */
export interface FinishedSegment {
  shard: number;
  top: number;
  exec: string;
}

/**
 * The listings of a sharded run's shards (src/fleet/sharded-lister.ts), on their way from the
 * workers that listed them to the worker that judges the run (table `shard_parts`,
 * history-schema.ts). A shard writes one segment per top directory, in chunks numbered from 0
 * (`seq`), the last chunk flagged; an execution of a shard (`exec`, random) that dies leaves a
 * segment without its last chunk, which is never read. A run's rows are deleted once it has merged them.
 */
export class ShardParts {
  constructor(private readonly db: Kysely<StoreDb>) {}

  async write(runId: number, shard: number, top: number, exec: string, seq: number, last: boolean, data: string): Promise<void> {
    await this.db.insertInto('shard_parts').values({ run_id: runId, shard, top, exec, seq, last: last ? 1 : 0, data }).execute();
  }

  /** The segments of the run finished so far (one per shard and top, the first execution's when several finished). */
  async collectFinished(runId: number): Promise<FinishedSegment[]> {
    const rows = await this.db.selectFrom('shard_parts').select(['shard', 'top', 'exec']).where('run_id', '=', runId).where('last', '=', 1).orderBy('exec').execute();
    const seen = new Set<string>();
    const out: FinishedSegment[] = [];
    for (const r of rows) {
      const key = `${r.shard}/${r.top}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ shard: Number(r.shard), top: Number(r.top), exec: r.exec });
    }
    return out;
  }

  /** The chunks of one finished segment in order, a few at a time (a segment may hold a whole site). */
  async *streamSegment(runId: number, seg: FinishedSegment, pageSize = 16): AsyncGenerator<string> {
    for (let from = 0; ; from += pageSize) {
      const rows = await this.db
        .selectFrom('shard_parts')
        .select(['seq', 'data'])
        .where('run_id', '=', runId)
        .where('shard', '=', seg.shard)
        .where('top', '=', seg.top)
        .where('exec', '=', seg.exec)
        .where('seq', '>=', from)
        .where('seq', '<', from + pageSize)
        .orderBy('seq')
        .execute();
      for (const r of rows) yield r.data;
      if (rows.length < pageSize) return;
    }
  }

  /** Removes the chunks of every run that is no longer running (a coordinator that died, a shard that wrote after its run ended). */
  async sweep(): Promise<void> {
    await this.db.deleteFrom('shard_parts').where('run_id', 'not in', this.db.selectFrom('runs').select('id').where('status', '=', 'running')).execute();
  }

  /** Removes the run's chunks: all of them, or one execution's segment (a shard that stopped half-way). */
  async clear(runId: number, segment?: { exec: string; top: number }): Promise<void> {
    let q = this.db.deleteFrom('shard_parts').where('run_id', '=', runId);
    if (segment) q = q.where('exec', '=', segment.exec).where('top', '=', segment.top);
    await q.execute();
  }
}
