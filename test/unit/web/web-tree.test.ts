import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalizeDir, treeLevel, MAX_ENTRIES } from '../../../src/web/web-tree.ts';

describe('list as a directory tree', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dc-tree-'));
  const file = join(dir, 'list.txt');
  writeFileSync(file, ['/store/mc/a/1.root', '/store/mc/a/2.root', '/store/mc/b/c/3.root', '/store/data/4.root', '/store/top.root', '/store/mc/a\\nb/5.root', ''].join('\n'));

  it('counts the entries below each child directory, largest first', async () => {
    const l = await treeLevel(file, '/store');
    assert.equal(l.total, 6);
    assert.equal(l.below, 6);
    assert.deepEqual(l.children.map((c) => [c.name, c.count]), [['mc', 4], ['data', 1]]);
    assert.deepEqual(l.entries.map((e) => e.name), ['top.root']);
  });

  it('does not mistake a sibling with the same prefix for a child', async () => {
    const l = await treeLevel(file, '/store/mc/a');
    assert.equal(l.below, 2);
    assert.deepEqual(l.entries.map((e) => e.path), ['/store/mc/a/1.root', '/store/mc/a/2.root']);
  });

  it('keeps escaped names as one entry and sums sizes when they are known', async () => {
    const sizes = new Map([['/store/mc/a/1.root', 10], ['/store/mc/a/2.root', 5], ['/store/mc/a\\nb/5.root', 7]]);
    const l = await treeLevel(file, '/store/mc/', sizes);
    assert.deepEqual(l.children.map((c) => [c.name, c.count, c.bytes]), [['a', 2, 15], ['a\\nb', 1, 7], ['b', 1, 0]]);
  });

  it('normalizes the directory asked for', () => {
    assert.equal(normalizeDir('store/mc/'), '/store/mc');
    assert.equal(normalizeDir('/'), '');
    assert.equal(normalizeDir(''), '');
  });

  it('caps the entries listed directly in one directory', async () => {
    const big = join(dir, 'big.txt');
    writeFileSync(big, Array.from({ length: MAX_ENTRIES + 5 }, (_, i) => `/d/f${i}`).join('\n') + '\n');
    const l = await treeLevel(big, '/d');
    assert.equal(l.entries.length, MAX_ENTRIES);
    assert.equal(l.entriesTruncated, true);
    assert.equal(l.below, MAX_ENTRIES + 5);
    rmSync(dir, { recursive: true, force: true });
  });
});
