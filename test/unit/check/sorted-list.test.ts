import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SortedList } from '../../../src/check/sorted-list.ts';

const dir = mkdtempSync(join(tmpdir(), 'dc-sorted-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('sorted output lists', () => {
  it('sorts, de-duplicates, escapes, and keeps sizes, across spilled runs', async () => {
    const l = new SortedList({ tmpRoot: dir, spillAt: 3 });
    for (const [n, s] of [['/b', 2], ['/a b', 5], ['/a', 1], ['/new\nline', 7], ['/a', 1], ['/back\\slash', 3], ['/c', 4]] as const) l.add(n, s);
    assert.deepEqual(await all(l.lines()), ['/a', '/a b', '/b', '/back\\\\slash', '/c', '/new\\nline']);
    assert.deepEqual((await all(l.entries())).map((e) => [e.name, e.size]), [['/a', 1], ['/a b', 5], ['/b', 2], ['/back\\slash', 3], ['/c', 4], ['/new\nline', 7]]);
    assert.equal(await l.writeTo(join(dir, 'out.txt')), 6);
    assert.equal(readFileSync(join(dir, 'out.txt'), 'utf8'), '/a\n/a b\n/b\n/back\\\\slash\n/c\n/new\\nline\n');
    l.dispose();
  });

  it('puts children before parents in descending order', async () => {
    const l = new SortedList({ tmpRoot: dir, descending: true, spillAt: 2 });
    for (const d of ['/s/a', '/s/a/b', '/s/a/b/c', '/s/ab']) l.add(d);
    const got = await all(l.lines());
    assert.ok(got.indexOf('/s/a/b/c') < got.indexOf('/s/a/b'));
    assert.ok(got.indexOf('/s/a/b') < got.indexOf('/s/a'));
    l.dispose();
  });
});
