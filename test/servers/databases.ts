/**
 * Per-test-run databases on the real MariaDB and PostgreSQL servers of the machine (SERVERS.md:
 * 127.0.0.1:3306 root without password, 127.0.0.1:5432 trust). Each run gets its own database,
 * named after the process, so two test files running in parallel never share tables; it is
 * dropped on teardown. A server that does not answer fails the test with how to start it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import pg from 'pg';

const HOW = 'run scripts/setup-system.sh (as root) to install and start it';

function runName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(3).toString('hex')}`;
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export async function createMariadbDatabase(prefix = 'dc_test'): Promise<TestDatabase> {
  let conn;
  try {
    conn = await createConnection({ host: '127.0.0.1', port: 3306, user: 'root', database: 'test', connectTimeout: 5000 });
  } catch (err) {
    throw new Error(`MariaDB is not answering on 127.0.0.1:3306 as root (${(err as Error).message}): ${HOW}`);
  }
  const name = runName(prefix);
  try {
    await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  } finally {
    await conn.end();
  }
  return {
    name,
    url: `mysql://root@127.0.0.1:3306/${name}`,
    drop: async () => {
      const c = await createConnection({ host: '127.0.0.1', port: 3306, user: 'root', database: 'test' });
      try {
        await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await c.end();
      }
    },
  };
}

async function pgAdmin(): Promise<pg.Client> {
  const client = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test', connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`PostgreSQL is not answering on 127.0.0.1:5432 (user postgres, trust) (${(err as Error).message}): ${HOW}`);
  }
  return client;
}

export async function createPostgresDatabase(prefix = 'dc_test'): Promise<TestDatabase> {
  const admin = await pgAdmin();
  const name = runName(prefix);
  try {
    await admin.query(`CREATE DATABASE "${name}" ENCODING 'UTF8' TEMPLATE template0`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: `postgres://postgres@127.0.0.1:5432/${name}`,
    drop: async () => {
      const c = await pgAdmin();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** The history engines a test runs on: HISTORY_ENGINES=sqlite,postgres,mysql (default all three). */
export const HISTORY_ENGINES = (process.env.HISTORY_ENGINES ?? 'sqlite,postgres,mysql').split(',').map((e) => e.trim()).filter(Boolean);

/** A fresh database of `engine` (sqlite: a file in a temporary directory), named by `prefix`, dropped by drop(). */
export async function createEngineDatabase(engine: string, prefix: string): Promise<TestDatabase> {
  if (engine === 'postgres') return createPostgresDatabase(prefix);
  if (engine === 'mysql') return createMariadbDatabase(prefix);
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), `${prefix.replaceAll('_', '-')}-`));
    return { url: `sqlite:${join(dir, 'h.sqlite')}`, name: dir, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  throw new Error(`HISTORY_ENGINES: unknown engine ${engine} (sqlite, postgres, mysql)`);
}
