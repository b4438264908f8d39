/** Inventory conformance on the real PostgreSQL, plus streaming through pg-cursor. */
import { describe } from 'node:test';
import pg from 'pg';
import { openSqlInventory } from '../../src/inventory/sql/sql-inventory.ts';
import { createPostgresDatabase, type TestDatabase } from '../servers/databases.ts';
import { runSqlEngineConformance, runSqlSnapshotCase, runSqlEngineStreaming, type SqlEngineUnderTest } from './inventory-sql-engine.ts';

const postgres: SqlEngineUnderTest = {
  name: 'postgres',
  engine: 'postgres',
  createDatabase: createPostgresDatabase,
  open: (url, opts) => openSqlInventory('postgres', url, opts),
  async killConnections(t: TestDatabase) {
    const c = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });
    await c.connect();
    try {
      const r = await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [t.name]);
      return r.rowCount ?? 0;
    } finally {
      await c.end();
    }
  },
};

runSqlEngineConformance(postgres);
describe('postgres inventory: streaming', () => runSqlEngineStreaming(postgres));
describe('postgres inventory: read snapshot', () => runSqlSnapshotCase('postgres', postgres.createDatabase));
