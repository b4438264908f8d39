import { openSql, type SqlDatabase } from '../sql/sql-database.ts';
import type { SqlEngine } from '../sql/sql-engine.ts';
import { ActionLog } from './action-log.ts';
import { migrateActions } from './actions-schema.ts';
import { FleetMembers } from './fleet-members.ts';
import { migrateBaselines, migrateHistory, migrateMembers, migrateProtectedLists, migrateShardParts, migrateTurns, type StoreDb } from './history-schema.ts';
import { ProtectedLists } from './protected-lists.ts';
import { SiteRuns } from './site-runs.ts';
import { ShardParts } from './shard-parts.ts';
import { SiteBaselines } from './site-baselines.ts';
import { SiteFindings } from './site-findings.ts';
import { SiteLocks } from './site-lock.ts';
import { SiteStates } from './site-states.ts';
import { SiteTurns } from './site-turns.ts';

/**
 * The history, on any SQL engine (src/sql): runs, per-file findings, site states and locks, and
 * what the actions, the daemon and the fleet keep. The database stays inside: the web, the run,
 * the actions and the fleet ask through its parts, one per concern.
 */
export class HistoryStore {
  readonly engine: SqlEngine;
  /** Each site's status and reporting mode, with the log of their changes (store/site-states.ts). */
  readonly states: SiteStates;
  /** One live run per site: the locks, their heartbeat and the pick of the next site (store/site-lock.ts). */
  readonly locks: SiteLocks;
  /** The runs with their status, figures and summaries (store/site-runs.ts). */
  readonly runs: SiteRuns;
  /** Per-file findings with first/last sighting, what confirmation acts on (store/site-findings.ts). */
  readonly findings: SiteFindings;
  /** Every action a run or command took (store/action-log.ts). */
  readonly actions: ActionLog;
  /** The sizes shrinking is judged against (store/site-baselines.ts). */
  readonly baselines: SiteBaselines;
  /** The daemon's turns: when each site is next due (store/site-turns.ts). */
  readonly turns: SiteTurns;
  /** The last protected list each site's unmerged cleaning accepted (store/protected-lists.ts). */
  readonly protectedLists: ProtectedLists;
  /** The fleet's daemons and workers with their heartbeats, and the live runs (store/fleet-members.ts). */
  readonly members: FleetMembers;
  /** The listings of a sharded run's shards, until the run merges them (store/shard-parts.ts). */
  readonly shardParts: ShardParts;

  private constructor(private readonly database: SqlDatabase<StoreDb>) {
    const db = database.db;
    this.engine = database.engine;
    this.states = new SiteStates(db);
    this.runs = new SiteRuns(db, this.engine);
    this.findings = new SiteFindings(db, this.runs);
    this.actions = new ActionLog(db);
    this.locks = new SiteLocks(db, this.states, async (site) => {
      // What a crashed holder's runs left: still "running", actions started and never settled,
      // findings staged and never merged.
      await this.runs.failRunning(site);
      await this.actions.interruptStarted(site);
      await this.findings.dropStaged(site);
    });
    this.baselines = new SiteBaselines(db);
    this.turns = new SiteTurns(db);
    this.protectedLists = new ProtectedLists(db);
    this.members = new FleetMembers(db);
    this.shardParts = new ShardParts(db);
  }

  static async open(url: string): Promise<HistoryStore> {
    const database = await openSql<StoreDb>(url);
    try {
      await migrateHistory(database);
      await migrateActions(database);
      await migrateBaselines(database);
      await migrateTurns(database);
      await migrateProtectedLists(database);
      await migrateMembers(database);
      await migrateShardParts(database);
    } catch (err) {
      await database.close().catch(() => undefined);
      throw err;
    }
    return new HistoryStore(database);
  }

  async close(): Promise<void> {
    await this.database.close();
  }
}
