import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { escapeName } from '../../../src/core/escape.ts';
import { DcError } from '../../../src/core/errors.ts';
import { runCompare3 } from '../../../src/check/compare3.ts';

const rucio = (lfn: string, state: string, useName = false) => ['T2_X', 'cms', lfn, 'ad:1', '10', '2024-01-01', useName ? '' : lfn, '2024-01-02', state].join('\t');
const lines = async (path: string) => (await readFile(path, 'utf8')).split('\n').filter((l) => l !== '');

describe('compare3', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dc-compare3-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports missing = settled in both dumps and unscanned, orphan = scanned and in neither dump', async () => {
    const B = join(dir, 'b.tsv.gz');
    const S = join(dir, 's.txt');
    const A = join(dir, 'a.txt');
    await writeFile(
      B,
      gzipSync(
        [
          rucio('/store/missing.root', 'A'),
          rucio('/store/missing name.root', 'A', true), // LFN from the name column
          rucio('/store/flux-before.root', 'C'),
          rucio('/store/gone-after.root', 'A'),
          rucio('/store/present.root', 'A'),
          rucio('/store/flux-before-scanned.root', 'U'),
          rucio('/store/back\\slash.root', 'A'),
        ].join('\n') + '\n',
      ),
    );
    await writeFile(S, ['/store/present.root 10', '/store/orphan ü.root 5', '/store/orphan ü.root 5', '/store/flux-before-scanned.root 1', '/store/arrived.root 3', ''].join('\n'));
    await writeFile(
      A,
      ['/store/missing.root', '/store/missing name.root', '/store/flux-before.root', '/store/present.root', '/store/arrived.root', '/store/late-only.root', '/store/back\\slash.root'].join('\n') + '\n',
    );
    const r = await runCompare3(B, S, A, join(dir, 'out/site'), { workers: 0 });
    assert.deepEqual(await lines(r.files.missing), ['/store/back\\\\slash.root', '/store/missing name.root', '/store/missing.root']);
    assert.deepEqual(await lines(r.files.orphan), ['/store/orphan ü.root']);
    assert.equal(r.missing, 3);
    assert.equal(r.orphan, 1);
    assert.deepEqual(r.before, { entries: 7, settled: 5 });
    assert.equal(r.scan.entries, 5);
  });

  it('counts a file in flux in the AFTER dump as not missing', async () => {
    const B = join(dir, 'b2.tsv');
    const S = join(dir, 's2.txt');
    const A = join(dir, 'a2.tsv');
    await writeFile(B, [rucio('/store/x.root', 'A'), rucio('/store/y.root', 'A')].join('\n') + '\n');
    await writeFile(S, '');
    await writeFile(A, [rucio('/store/x.root', 'B'), rucio('/store/y.root', 'A')].join('\n') + '\n');
    const r = await runCompare3(B, S, A, join(dir, 'out/flux'), { workers: 0 });
    assert.deepEqual(await lines(r.files.missing), ['/store/y.root']);
    assert.equal(r.orphan, 0);
  });

  it('agrees with a naive set computation, inline and on workers, with 1 or 64 partitions', async () => {
    let seed = 7;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const pick = ['a', 'b', 'é', '日', ' ', '🚀', '/', 'x', '\\'];
    // An `lfn size` line carries its name escaped (a raw blank may not end it): such names end in ".root".
    const name = () => '/store/' + Array.from({ length: 3 + Math.floor(rnd() * 20) }, () => pick[Math.floor(rnd() * pick.length)]).join('') + '.root';
    const universe = [...new Set(Array.from({ length: 20_000 }, name))];
    const b = new Map<string, boolean>();
    const a = new Map<string, boolean>();
    const s = new Set<string>();
    for (const n of universe) {
      if (rnd() < 0.8) b.set(n, rnd() < 0.9);
      if (rnd() < 0.8) a.set(n, rnd() < 0.9);
      if (rnd() < 0.8) s.add(n);
    }
    // Lists are written escaped, as the tool writes them (src/core/escape.ts).
    const dump = (m: Map<string, boolean>) => [...m].map(([n, settled]) => rucio(escapeName(n), settled ? 'A' : 'C')).join('\n') + '\n';
    await writeFile(join(dir, 'rb.tsv'), dump(b));
    await writeFile(join(dir, 'ra.tsv.gz'), gzipSync(dump(a)));
    await writeFile(join(dir, 'rs.txt'), [...s].map((n) => `${escapeName(n)} 1`).join('\n') + '\n');
    const sort = (xs: string[]) => xs.map(escapeName).sort();
    const wantMissing = sort([...b].filter(([n, st]) => st && a.get(n) === true && !s.has(n)).map(([n]) => n));
    const wantOrphan = sort([...s].filter((n) => !b.has(n) && !a.has(n)));
    for (const [workers, partitionBits] of [[0, 0], [0, 6], [2, 6]]) {
      const r = await runCompare3(join(dir, 'rb.tsv'), join(dir, 'rs.txt'), join(dir, 'ra.tsv.gz'), join(dir, `out/rand-${workers}-${partitionBits}`), { workers, partitionBits });
      assert.equal(r.partitions, 1 << partitionBits);
      assert.deepEqual(await lines(r.files.missing), wantMissing, `missing with ${workers} workers, ${partitionBits} bits`);
      assert.deepEqual(await lines(r.files.orphan), wantOrphan, `orphan with ${workers} workers, ${partitionBits} bits`);
      assert.equal(r.missing, wantMissing.length);
      assert.equal(r.orphan, wantOrphan.length);
    }
  });

  it('fails on a malformed dump line with the file and line number, leaving no output', async () => {
    const B = join(dir, 'bad.tsv');
    await writeFile(B, [rucio('/store/a.root', 'A'), 'T2_X\tcms\t/store/b.root'].join('\n') + '\n');
    await writeFile(join(dir, 'ok.txt'), '/store/a.root\n');
    await assert.rejects(
      runCompare3(B, join(dir, 'ok.txt'), join(dir, 'ok.txt'), join(dir, 'out/bad'), { workers: 0 }),
      (e: unknown) => e instanceof DcError && e.code === 'INPUT' && e.message.startsWith(`${B}:2:`),
    );
    await assert.rejects(readFile(join(dir, 'out/bad_missing.txt')));
  });
});
