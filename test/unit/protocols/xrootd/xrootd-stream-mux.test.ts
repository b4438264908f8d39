import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { XrootdStreamMux } from '../../../../src/protocols/xrootd/xrootd-stream-mux.ts';

describe('xrootd stream mux', () => {
  it('never hands out id 0 and binds each id to its value', () => {
    const m = new XrootdStreamMux<string>();
    const a = m.allocate('a')!;
    const b = m.allocate('b')!;
    assert.notEqual(a, 0);
    assert.notEqual(a, b);
    assert.equal(m.get(a), 'a');
    assert.equal(m.release(b), 'b');
    assert.equal(m.get(b), undefined);
    assert.equal(m.size, 1);
  });

  it('does not reuse a just-released id at once (late replies of abandoned requests)', () => {
    const m = new XrootdStreamMux<number>();
    const first = m.allocate(1)!;
    m.release(first);
    assert.notEqual(m.allocate(2), first);
  });

  it('refuses past its capacity and wraps around 65535 skipping taken ids and 0', () => {
    const small = new XrootdStreamMux<number>(2);
    assert.ok(small.allocate(1));
    assert.ok(small.allocate(2));
    assert.equal(small.allocate(3), undefined);
    assert.equal(small.full, true);

    const m = new XrootdStreamMux<number>();
    const ids = new Set<number>();
    for (let i = 0; i < 0xffff; i++) ids.add(m.allocate(i)!);
    assert.equal(ids.size, 0xffff);
    assert.ok(!ids.has(0));
    assert.equal(m.allocate(-1), undefined);
    m.release(300);
    assert.equal(m.allocate(7), 300);
  });

  it('drains every pending value at once', () => {
    const m = new XrootdStreamMux<string>();
    m.allocate('x');
    m.allocate('y');
    assert.deepEqual(m.drain().sort(), ['x', 'y']);
    assert.equal(m.size, 0);
  });
});
