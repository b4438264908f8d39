/** The SQL engines this tool talks to; MariaDB is `mysql` (one driver, one dialect). */
export type SqlEngine = 'sqlite' | 'mysql' | 'postgres';

/** Engine names as messages print them. */
export const SQL_ENGINE_NAMES: Readonly<Record<SqlEngine, string>> = { sqlite: 'SQLite', mysql: 'MySQL', postgres: 'PostgreSQL' };

/**
 * The engine a database URL names: `sqlite:<file>`, `postgres://` or `postgresql://`, `mysql://`;
 * undefined for anything else. The one place a URL is read for its engine: the history store, the
 * registry, the inventory's own database and the preflight all ask here.
 */
export function sqlEngineOfUrl(url: string): SqlEngine | undefined {
  if (url.startsWith('sqlite:')) return 'sqlite';
  if (/^postgres(ql)?:\/\//.test(url)) return 'postgres';
  if (url.startsWith('mysql://')) return 'mysql';
  return undefined;
}

/** What every engine folder's `create*Dialect(url, options)` is given. */
export interface SqlDialectOptions {
  create: boolean;
  poolSize: number;
  role: string;
}
