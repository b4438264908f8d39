import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqlInventory } from '../../../src/inventory/sql/sql-inventory.ts';

describe('generic SQL inventory: names as the database gives them (issue 11 §2)', () => {
  it('takes a binary lfn column as the name bytes, and an escaped text column as bytes too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dc-gsql-'));
    try {
      const path = join(dir, 'inv.sqlite');
      const raw = new Database(path);
      raw.exec('CREATE TABLE r (site TEXT, lfn, size INTEGER, settled INTEGER)');
      const ins = raw.prepare('INSERT INTO r VALUES (?, ?, ?, 1)');
      ins.run('T2_A', Buffer.from('/store/blob\xff.root', 'latin1'), 1);
      ins.run('T2_A', '/store/text\\xfe.root', 2);
      ins.run('T2_A', '/store/plain\\slash.root', 3);
      raw.close();
      const inv = await openSqlInventory('sqlite', path, { query: 'SELECT lfn, size, settled FROM r WHERE site = :site' });
      try {
        const got: string[] = [];
        for await (const b of inv.streamFiles('T2_A')) for (const f of b) got.push(f.lfn);
        assert.deepEqual(got.sort(), ['/store/blob\udcff.root', '/store/plain\\slash.root', '/store/text\udcfe.root']);
      } finally {
        await inv.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
