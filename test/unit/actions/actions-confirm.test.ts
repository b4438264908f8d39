import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeTopGuard, pickEmptyRemovals } from '../../../src/actions/actions-confirm.ts';
import { testSite } from '../../helpers/check-harness.ts';

describe('empty directory removals', () => {
  const guard = makeTopGuard(testSite({ RootPath: '/store', DirectoryList: ['mc', 'data'] }));

  it('never touches RootPath, a DirectoryList directory, or anything outside RootPath', () => {
    for (const p of ['/store', '/store/', '/store/mc', '/store/data', '/other/x', '/']) assert.equal(guard(p), true, p);
    for (const p of ['/store/mc/x', '/store/data/a/b', '/store/user']) assert.equal(guard(p), false, p);
  });

  it("without DirectoryList, RootPath's direct children count as top directories", () => {
    const g = makeTopGuard(testSite({ RootPath: '/store', DirectoryList: [] }));
    assert.equal(g('/store/mc'), true);
    assert.equal(g('/store/mc/x'), false);
  });

  it('takes leaves first and stops at the cap', () => {
    const all = ['/store/mc/a', '/store/mc/a/b', '/store/mc/a/b/c', '/store/mc/z'];
    assert.deepEqual(pickEmptyRemovals(all, all, guard, 10), ['/store/mc/a/b/c', '/store/mc/a/b', '/store/mc/a', '/store/mc/z']);
    assert.deepEqual(pickEmptyRemovals(all, all, guard, 2), ['/store/mc/a/b/c', '/store/mc/a/b']);
    assert.deepEqual(pickEmptyRemovals(all, all, guard, 0), []);
  });

  it('keeps a confirmed parent whose empty child is not confirmed yet', () => {
    const all = ['/store/mc/a', '/store/mc/a/new', '/store/mc/b'];
    assert.deepEqual(pickEmptyRemovals(['/store/mc/a', '/store/mc/b'], all, guard, 10), ['/store/mc/b']);
  });

  it('never lists a guarded directory, even when confirmed', () => {
    assert.deepEqual(pickEmptyRemovals(['/store/mc', '/store/mc/x'], ['/store/mc', '/store/mc/x'], guard, 10), ['/store/mc/x']);
  });
});
