import { sql, type Generated } from 'kysely';
import type { SqlDatabase } from '../sql/sql-database.ts';
import { createIndexIfAbsent, serialId } from '../sql/sql-ddl.ts';
import type { ActionsDb } from './actions-schema.ts';

export interface HistoryDb {
  site_states: {
    site: string;
    status: string;
    mode: string;
    updated_at: string;
    updated_by: string;
    last_run_at: string | null;
    lock_owner: string | null;
    lock_heartbeat: number | null;
  };
  runs: {
    id: Generated<number>;
    site: string;
    status: string;
    started_at: string;
    finished_at: string | null;
    heartbeat_at: string | null;
    progress: string | null;
    summary: string | null;
    files: number;
    bytes: number;
    directories: number;
    missing: number;
    missing_bytes: number;
    orphan: number;
    orphan_bytes: number;
    size_mismatch: number;
    empty_dirs: number;
    unlisted: number;
    new_files: number;
    inventory_files: number;
    duration: number;
    gates_held: string | null;
    acted: number;
    error: string | null;
  };
  findings: {
    site: string;
    category: string;
    lfn_hash: string;
    lfn: string;
    size: number;
    first_run: number;
    last_run: number;
    first_seen_at: string;
    last_seen_at: string;
    consecutive: number;
    acted_run: number | null;
  };
  findings_stage: { run_id: number; category: string; lfn_hash: string; lfn: string; size: number };
  /** Every set-status, from the CLI or the dashboard, with time and origin. */
  state_changes: { id: Generated<number>; site: string; value: string; changed_by: string; changed_at: string };
  schema_version: { version: number };
}

/** The size shrinking is judged against, per site (store/site-baselines.ts). */
export interface BaselineDb {
  site_baselines: { site: string; settled: number; listed: number; run_id: number; set_at: string; set_by: string };
}

export async function migrateBaselines<DB>(database: SqlDatabase<DB>): Promise<void> {
  await database.db.schema.createTable('site_baselines').ifNotExists()
    .addColumn('site', 'varchar(128)', (c) => c.primaryKey())
    .addColumn('settled', 'bigint', (c) => c.notNull())
    .addColumn('listed', 'bigint', (c) => c.notNull())
    .addColumn('run_id', 'integer', (c) => c.notNull())
    .addColumn('set_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('set_by', 'varchar(255)', (c) => c.notNull())
    .execute();
}

/**
 * The daemon's turns (store/site-turns.ts): a run of the daemon or a worker that took the site's
 * turn, so when a site is next due survives a restart.
 */
export interface TurnsDb {
  fleet_turns: { id: Generated<number>; site: string; run_id: number; started_ms: number; status: string };
}

export async function migrateTurns(database: SqlDatabase<StoreDb>): Promise<void> {
  await database.db.schema.createTable('fleet_turns').ifNotExists()
    .addColumn('id', 'integer', serialId(database.engine))
    .addColumn('site', 'varchar(128)', (c) => c.notNull())
    .addColumn('run_id', 'integer', (c) => c.notNull())
    .addColumn('started_ms', 'bigint', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .execute();
  await createIndexIfAbsent(database, 'fleet_turns_site_idx', 'fleet_turns', ['site', 'id']);
}

/** The last protected LFN list each site's unmerged cleaning accepted (store/protected-lists.ts). */
export interface ProtectedListDb {
  protected_lists: { site: string; count: number; run_id: number; fetched_at: string; source: string };
}

export async function migrateProtectedLists<DB>(database: SqlDatabase<DB>): Promise<void> {
  await database.db.schema.createTable('protected_lists').ifNotExists()
    .addColumn('site', 'varchar(128)', (c) => c.primaryKey())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addColumn('run_id', 'integer', (c) => c.notNull())
    .addColumn('fetched_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('source', 'varchar(1000)', (c) => c.notNull())
    .execute();
}

/**
 * The fleet's processes (store/fleet-members.ts): each daemon and worker writes its row every few
 * seconds, so the dashboard sees who is alive and what each runs.
 */
export interface MembersDb {
  fleet_members: { id: string; role: string; host: string; pid: number; version: string; slots: number; started_ms: number; heartbeat_ms: number; checks: string };
}

export async function migrateMembers(database: SqlDatabase<StoreDb>): Promise<void> {
  await database.db.schema.createTable('fleet_members').ifNotExists()
    .addColumn('id', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('role', 'varchar(16)', (c) => c.notNull())
    .addColumn('host', 'varchar(255)', (c) => c.notNull())
    .addColumn('pid', 'integer', (c) => c.notNull())
    .addColumn('version', 'varchar(64)', (c) => c.notNull())
    .addColumn('slots', 'integer', (c) => c.notNull())
    .addColumn('started_ms', 'bigint', (c) => c.notNull())
    .addColumn('heartbeat_ms', 'bigint', (c) => c.notNull())
    .addColumn('checks', 'text', (c) => c.notNull())
    .execute();
}

/** Chunks of the shards' listings of a sharded run, until the run merges them (store/shard-parts.ts). */
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

/** Every table of the history store: runs, findings and site states, the action log, baselines, turns, protected lists, fleet members, shard listings. */
export type StoreDb = HistoryDb & ActionsDb & BaselineDb & TurnsDb & ProtectedListDb & MembersDb & ShardPartsDb;

export const HISTORY_SCHEMA_VERSION = 1;

/** Creates the history tables when absent. Text columns that are keyed stay short for MySQL. */
export async function migrateHistory(database: SqlDatabase<StoreDb>): Promise<void> {
  const db = database.db;
  const id = serialId(database.engine);
  await db.schema.createTable('schema_version').ifNotExists().addColumn('version', 'integer', (c) => c.notNull()).execute();
  await db.schema.createTable('site_states').ifNotExists()
    .addColumn('site', 'varchar(128)', (c) => c.primaryKey())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('mode', 'varchar(16)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_by', 'varchar(255)', (c) => c.notNull())
    .addColumn('last_run_at', 'varchar(32)')
    .addColumn('lock_owner', 'varchar(255)')
    .addColumn('lock_heartbeat', 'bigint')
    .execute();
  await db.schema.createTable('runs').ifNotExists()
    .addColumn('id', 'integer', id)
    .addColumn('site', 'varchar(128)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('started_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('finished_at', 'varchar(32)')
    .addColumn('heartbeat_at', 'varchar(32)')
    .addColumn('progress', 'text')
    .addColumn('summary', 'text')
    .addColumn('files', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('directories', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('missing', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('missing_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('orphan', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('orphan_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('size_mismatch', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('empty_dirs', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('unlisted', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('new_files', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('inventory_files', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('duration', 'double precision', (c) => c.notNull().defaultTo(0))
    .addColumn('gates_held', 'text')
    .addColumn('acted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .execute();
  await createIndexIfAbsent(database, 'runs_site_idx', 'runs', ['site', 'id']);
  // "Latest finished run of each site" in one index seek per site (the dashboard's summary).
  await createIndexIfAbsent(database, 'runs_site_status_id_idx', 'runs', ['site', 'status', 'id']);
  await db.schema.createTable('state_changes').ifNotExists()
    .addColumn('id', 'integer', id)
    .addColumn('site', 'varchar(128)', (c) => c.notNull())
    .addColumn('value', 'varchar(16)', (c) => c.notNull())
    .addColumn('changed_by', 'varchar(255)', (c) => c.notNull())
    .addColumn('changed_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await createIndexIfAbsent(database, 'state_changes_site_idx', 'state_changes', ['site', 'id']);
  await db.schema.createTable('findings').ifNotExists()
    .addColumn('site', 'varchar(128)', (c) => c.notNull())
    .addColumn('category', 'varchar(16)', (c) => c.notNull())
    .addColumn('lfn_hash', 'varchar(32)', (c) => c.notNull())
    .addColumn('lfn', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('first_run', 'integer', (c) => c.notNull())
    .addColumn('last_run', 'integer', (c) => c.notNull())
    .addColumn('first_seen_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('last_seen_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('consecutive', 'integer', (c) => c.notNull())
    .addColumn('acted_run', 'integer')
    .addPrimaryKeyConstraint('findings_pk', ['site', 'category', 'lfn_hash'])
    .execute();
  await db.schema.createTable('findings_stage').ifNotExists()
    .addColumn('run_id', 'integer', (c) => c.notNull())
    .addColumn('category', 'varchar(16)', (c) => c.notNull())
    .addColumn('lfn_hash', 'varchar(32)', (c) => c.notNull())
    .addColumn('lfn', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('findings_stage_pk', ['run_id', 'category', 'lfn_hash'])
    .execute();
  const v = await db.selectFrom('schema_version').select('version').executeTakeFirst();
  if (!v) await db.insertInto('schema_version').values({ version: HISTORY_SCHEMA_VERSION }).execute();
}
