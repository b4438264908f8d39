import { MysqlAdapter, PostgresAdapter, SqliteAdapter, type Kysely } from 'kysely';

export type SqlEngine = 'sqlite' | 'mysql' | 'postgres';

/**
 * Which engine a kysely instance talks to, told by its adapter. Migrations need it for the few
 * places where DDL differs (identity columns, MySQL's table collation).
 */
export function sqlEngineOf(db: Kysely<any>): SqlEngine {
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof PostgresAdapter) return 'postgres';
  if (adapter instanceof MysqlAdapter) return 'mysql';
  if (adapter instanceof SqliteAdapter) return 'sqlite';
  throw new Error(`unknown kysely adapter ${adapter.constructor.name}`);
}
