/**
 * Inventory conformance on the real MariaDB (Dynamo's engine), plus streaming, a killed
 * connection, and passwords from PasswordFile / INVENTORY_PASSWORD that never reach a message.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { loadConfig } from '../../src/config/config-loader.ts';
import { DcError } from '../../src/core/errors.ts';
import { openSqlInventory } from '../../src/inventory/sql/sql-inventory.ts';
import { openInventory } from '../../src/inventory/open-inventory.ts';
import { createMariadbDatabase, type TestDatabase } from '../servers/databases.ts';
import { runSqlEngineConformance, runSqlSnapshotCase, runSqlEngineStreaming, withConfigFile, type SqlEngineUnderTest } from './inventory-sql-engine.ts';

const admin = () => createConnection({ host: '127.0.0.1', port: 3306, user: 'root', database: 'test' });

const mariadb: SqlEngineUnderTest = {
  name: 'mariadb',
  engine: 'mysql',
  createDatabase: createMariadbDatabase,
  open: (url, opts) => openSqlInventory('mysql', url, opts),
  async killConnections(t: TestDatabase) {
    const c = await admin();
    try {
      const [rows] = await c.query('SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()', [t.name]);
      for (const r of rows as { ID: number }[]) await c.query(`KILL ${Number(r.ID)}`);
      return (rows as unknown[]).length;
    } finally {
      await c.end();
    }
  },
};

runSqlEngineConformance(mariadb);
describe('mariadb inventory: streaming', () => runSqlEngineStreaming(mariadb));
describe('mariadb inventory: read snapshot', () => runSqlSnapshotCase('mariadb', mariadb.createDatabase));

describe('mariadb inventory: passwords from the configuration', () => {
  const secret = 'S3cret-pw!with@odd:chars';
  let t: TestDatabase;
  let user = '';
  before(async () => {
    t = await createMariadbDatabase('dc_pw');
    user = `dcu${process.pid}`;
    const c = await admin();
    try {
      for (const host of ['localhost', '127.0.0.1', '%']) {
        await c.query(`CREATE USER '${user}'@'${host}' IDENTIFIED BY ?`, [secret]);
        await c.query(`GRANT ALL ON \`${t.name}\`.* TO '${user}'@'${host}'`);
      }
    } finally {
      await c.end();
    }
  });
  after(async () => {
    const c = await admin();
    try {
      for (const host of ['localhost', '127.0.0.1', '%']) await c.query(`DROP USER IF EXISTS '${user}'@'${host}'`);
    } finally {
      await c.end();
    }
    await t.drop();
  });
  const url = () => `mysql://${user}@127.0.0.1:3306/${t.name}`;

  it('reads the password from PasswordFile (relative to the configuration file)', async () => {
    await withConfigFile({ Type: 'mysql', Url: url(), PasswordFile: 'db.pass' }, async (file, dir) => {
      await writeFile(join(dir, 'db.pass'), secret + '\n', { mode: 0o600 });
      const inv = await openInventory(loadConfig(file, {}), { env: {}, create: true });
      try {
        assert.deepEqual(await inv.collectSites(), []);
      } finally {
        await inv.close();
      }
    });
  });

  it('lets INVENTORY_PASSWORD override PasswordFile', async () => {
    await withConfigFile({ Type: 'mysql', Url: url(), PasswordFile: 'db.pass' }, async (file, dir) => {
      await writeFile(join(dir, 'db.pass'), 'wrong\n');
      const inv = await openInventory(loadConfig(file, {}), { env: { INVENTORY_PASSWORD: secret } });
      await inv.close();
    });
  });

  it('fails with a redacted URL and never the password', async () => {
    await withConfigFile({ Type: 'mysql', Url: url(), PasswordFile: 'db.pass' }, async (file, dir) => {
      await writeFile(join(dir, 'db.pass'), secret + 'X\n');
      const err = await openInventory(loadConfig(file, {}), { env: {} }).then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof DcError && err.code === 'IO', String(err));
      assert.doesNotMatch(err.message, /S3cret/);
      assert.doesNotMatch(JSON.stringify(err.detail ?? {}), /S3cret/);
      assert.match(err.message, /Access denied/);
    });
    const inline = `mysql://${user}:${encodeURIComponent(secret + 'X')}@127.0.0.1:3306/${t.name}`;
    const err = await openSqlInventory('mysql', inline).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof DcError);
    assert.doesNotMatch(err.message, /S3cret/);
    assert.match(err.message, /\*\*\*@127\.0\.0\.1/);
  });
});
