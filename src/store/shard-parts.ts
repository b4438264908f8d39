import { sql, type Kysely } from 'kysely';
import type { SqlDatabase } from '../sql/sql-database.ts';
import { createIndexIfAbsent } from '../sql/sql-ddl.ts';
import type { StoreDb } from './history-schema.ts';

/**
 * The listings of a sharded run's shards (src/fleet/fleet-shards.ts), on their way from the
 * workers that listed them to the worker that judges the run. A shard writes one segment per top
 * directory, in chunks numbered from 0 (`seq`), the last chunk flagged; an execution of a shard
 * (`exec`, random) that dies leaves a segment without its last chunk, which is never read. The
 * rows of a run are deleted once it has merged them.
 */
export interface ShardPartsDb {
  shard_parts: { run_id: number; shard: number; top: number; exec: string; seq: number; last: number; data: string };
}

export async function migrateShardParts<DB>(database: SqlDatabase<DB>): Promise<void> {
  // A chunk is base64 text of up to ~0.4 MB: MySQL's TEXT holds 64 kB, MEDIUMTEXT 16 MB.
  const text = database.engine === 'mysql' ? sql`mediumtext` : sql`text`;
  await database.db.schema.createTable('shard_parts').ifNotExists()
    .addColumn('run_id', 'integer', (c) => c.notNull())
    .addColumn('shard', 'integer', (c) => c.notNull())
    .addColumn('top', 'integer', (c) => c.notNull())
    .addColumn('exec', 'varchar(40)', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('last', 'integer', (c) => c.notNull())
    .addColumn('data', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('shard_parts_pk', ['run_id', 'shard', 'top', 'exec', 'seq'])
    .execute();
  await createIndexIfAbsent(database, 'shard_parts_last_idx', 'shard_parts', ['run_id', 'last']);
}

/** A segment some execution of a shard finished: every chunk of it is written. */
export interface FinishedSegment {
  shard: number;
  top: number;
  exec: string;
}

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

  /** Removes the run's chunks: all of them, or one execution's (a shard that stopped half-way). */
  async clear(runId: number, exec?: string): Promise<void> {
    let q = this.db.deleteFrom('shard_parts').where('run_id', '=', runId);
    if (exec !== undefined) q = q.where('exec', '=', exec);
    await q.execute();
  }
}
