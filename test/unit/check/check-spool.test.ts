import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckSpool, ScratchBudget, fields, hashHex, readHashHex } from '../../../src/check/check-spool.ts';
import { hashString, newHash } from '../../../src/core/lfn-hash.ts';

const dir = mkdtempSync(join(tmpdir(), 'dc-spool-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function all(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const l of it) out.push(l);
  return out;
}

describe('check spool (partitioned, compressed scratch lines)', () => {
  it('gives back every line of a partition in order, compressed on disk, empty partitions included', async () => {
    const s = new CheckSpool(dir, 'a', 3);
    const want: string[][] = [[], [], []];
    for (let i = 0; i < 60_000; i++) {
      const line = `1\t${i}\t/store/mc/Era/Primary/TIER/Processed-v1/0000/caf\u00e9 file ${i}.root`;
      const p = i % 2; // partition 2 stays empty
      want[p].push(line);
      await s.write(p, line);
    }
    await s.close();
    assert.deepEqual(await all(s.lines(0)), want[0]);
    assert.deepEqual(await all(s.lines(1)), want[1]);
    assert.deepEqual(await all(s.lines(2)), []);
    const raw = want[0].join('\n').length;
    assert.ok(statSync(join(dir, 'a-0')).size * 3 < raw, 'stored compressed');
  });

  it('writes raw blocks while the scratch budget lasts, then compressed ones, and reads them back in order', async () => {
    const budget = new ScratchBudget(300 << 10);
    const s = new CheckSpool(dir, 'mixed', 2, budget);
    const want: string[][] = [[], []];
    for (let i = 0; i < 40_000; i++) {
      const line = `${i}\t/store/mc/Era/Primary/TIER/Processed-v1/${i % 7}/file ${i}.root`;
      want[i % 2].push(line);
      await s.write(i % 2, line);
    }
    await s.close();
    assert.ok(budget.rawBytesLeft < 128 << 10, 'the budget was used');
    for (const p of [0, 1]) {
      assert.deepEqual(await all(s.lines(p)), want[p], `partition ${p} in the order written`);
      assert.ok(statSync(join(dir, `mixed-${p}.raw`)).size > 0 && statSync(join(dir, `mixed-${p}`)).size > 0, 'both files used');
    }
  });

  it('fails, not hangs, when a partition file is gone', async () => {
    const s = new CheckSpool(dir, 'b', 1);
    await s.write(0, 'x');
    await s.close();
    rmSync(join(dir, 'b-0'));
    await assert.rejects(all(s.lines(0)), /ENOENT/);
  });

  it('splits fields from the left, leaving the name whole', () => {
    assert.deepEqual(fields('1\t20\tname with spaces', 3), ['1', '20', 'name with spaces']);
  });

  it('writes a hash as 24 hex digits and reads it back, extremes included', () => {
    const h = newHash();
    const back = newHash();
    const cases: number[][] = [[0, 0, 1], [0xffffffff, 0x80000000, 0xffffffff], [0x0123abcd, 0xdeadbeef, 0x00000f01]];
    for (const name of ['/store/a.root', 'caf\u00e9', '']) {
      hashString(name, h);
      cases.push([...h]);
    }
    for (const c of cases) {
      h.set(c);
      const text = hashHex(h);
      assert.match(text, /^[0-9a-f]{24}$/);
      readHashHex(`${text}\t1\t2\tname`, back);
      assert.deepEqual([...back], c);
    }
  });

  it('writes a hashed line as the hash in hex, a tab and the rest', async () => {
    const s = new CheckSpool(dir, 'hashed', 1);
    const h = newHash();
    hashString('/store/mc/x.root', h);
    await s.writeHashed(0, h, '1\t20\t/store/mc/x.root');
    await s.close();
    const [line] = await all(s.lines(0));
    assert.equal(line, `${hashHex(h)}\t1\t20\t/store/mc/x.root`);
    const back = newHash();
    readHashHex(line, back);
    assert.deepEqual([...back], [...h]);
  });

  it('puts an LFN written to two spools in the same partition, under its hash', async () => {
    const a = new CheckSpool(dir, 'lfn-a', 5);
    const b = new CheckSpool(dir, 'lfn-b', 5);
    const names = Array.from({ length: 40 }, (_, i) => `/store/data/Run${i}/f${i}.root`);
    for (const n of names) {
      await a.writeLfn(n, `a\t${n}`);
      await b.writeLfn(n, `b\t${n}`);
    }
    await a.close();
    await b.close();
    const h = newHash();
    const used = new Set<number>();
    for (let p = 0; p < 5; p++) {
      const inA = (await all(a.lines(p))).map((l) => fields(l, 2, 25)[1]);
      const inB = (await all(b.lines(p))).map((l) => fields(l, 2, 25)[1]);
      assert.deepEqual(inB, inA, `partition ${p}`);
      for (const line of await all(a.lines(p))) {
        const n = fields(line, 2, 25)[1];
        hashString(n, h);
        assert.equal(line, `${hashHex(h)}\ta\t${n}`);
        assert.equal(h[1] % 5, p);
        used.add(p);
      }
    }
    assert.ok(used.size > 1, 'the names spread over partitions');
  });

  it('keeps lines longer than a block whole', async () => {
    const s = new CheckSpool(dir, 'long', 1);
    const long = `x${'\u00e9'.repeat(200_000)}`;
    await s.write(0, 'short');
    await s.write(0, long);
    await s.write(0, 'after');
    await s.close();
    assert.deepEqual(await all(s.lines(0)), ['short', long, 'after']);
  });
});
