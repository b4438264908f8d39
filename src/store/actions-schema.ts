import type { Generated } from 'kysely';
import type { SqlDatabase } from '../sql/sql-database.ts';
import { serialId } from '../sql/sql-ddl.ts';

/** Every action a run (or the `invalidate` command) took, one row per target, with its outcome. */
export interface ActionsDb {
  actions: {
    id: Generated<number>;
    /** The run that decided it; 0 for actions of a command outside a run. */
    run_id: number;
    site: string;
    /** registry | webhook | storage | invalidate */
    sink: string;
    /** transfer | delete | rmdir | invalidate */
    kind: string;
    /** An LFN (file or directory). */
    target: string;
    /** ok | failed | skipped | gone (already absent: nothing left to do) | refused | started | interrupted (src/actions ActionOutcome) */
    outcome: string;
    detail: string | null;
    at: string;
  };
}

/** Creates the `actions` table beside the history tables (same engines, same kysely code). */
export async function migrateActions<DB>(database: SqlDatabase<DB>): Promise<void> {
  const db = database.db;
  await db.schema.createTable('actions').ifNotExists()
    .addColumn('id', 'integer', serialId(database.engine))
    .addColumn('run_id', 'integer', (c) => c.notNull())
    .addColumn('site', 'varchar(128)', (c) => c.notNull())
    .addColumn('sink', 'varchar(16)', (c) => c.notNull())
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('outcome', 'varchar(16)', (c) => c.notNull())
    .addColumn('detail', 'text')
    .addColumn('at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('actions_site_run_idx').ifNotExists().on('actions').columns(['site', 'run_id']).execute();
}
