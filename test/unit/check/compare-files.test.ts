import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { compareFiles } from '../../../src/check/compare-files.ts';
import { DcError } from '../../../src/core/errors.ts';

let dir: string;
before(() => (dir = mkdtempSync(join(tmpdir(), 'dc-cmp-'))));
after(() => rmSync(dir, { recursive: true, force: true }));

const read = (p: string) => readFileSync(p, 'utf8').split('\n').filter(Boolean);

describe('compareFiles (the compare command)', () => {
  it('writes missing, orphan and size-mismatch lists, sorted and de-duplicated', async () => {
    const long = '/store/' + 'l'.repeat(9000);
    writeFileSync(join(dir, 'inv.txt'), `/store/b 1\n/store/with space 2\n/store/a 3\n${long} 4\n/store/dup 5\n/store/dup 5\n/store/size 10\r\n`);
    writeFileSync(join(dir, 'rem.txt'), gzipSync(`/store/with space 2\n/store/size 11\n/store/z 1\n/store/y 1\n/store/y 1\n/store/dup 5\n`));
    const r = await compareFiles(join(dir, 'inv.txt'), join(dir, 'rem.txt'), join(dir, 'out/p'));
    assert.deepEqual(read(r.files.missing), ['/store/a', '/store/b', long]);
    assert.deepEqual(read(r.files.orphan), ['/store/y', '/store/z']);
    assert.deepEqual(read(r.files.sizeMismatch), ['/store/size']);
    assert.equal(r.inventory, 6);
    assert.equal(r.remote, 6);
  });

  it('matches a name given as raw bytes in one list and escaped in the other, and writes it escaped (issue 11 §2)', async () => {
    writeFileSync(join(dir, 'inv-b.txt'), Buffer.concat([Buffer.from('/store/bad'), Buffer.of(0xff, 0xfe), Buffer.from('.root 7\n/store/gone'), Buffer.of(0xe9), Buffer.from(' 1\n/store/back\\\\slash 2\n')]));
    writeFileSync(join(dir, 'rem-b.txt'), '/store/bad\\xff\\xfe.root 7\n/store/new\\x80 3\n/store/back\\\\slash 2\n');
    const r = await compareFiles(join(dir, 'inv-b.txt'), join(dir, 'rem-b.txt'), join(dir, 'out-b/p'));
    assert.deepEqual(read(r.files.missing), ['/store/gone\\xe9']);
    assert.deepEqual(read(r.files.orphan), ['/store/new\\x80']);
    assert.deepEqual(read(r.files.sizeMismatch), []);
  });

  it('rejects a line without a size, naming file and line, and writes no list', async () => {
    writeFileSync(join(dir, 'bad.txt'), '/store/a 1\n/store/b\n');
    writeFileSync(join(dir, 'ok.txt'), '/store/a 1\n');
    await assert.rejects(compareFiles(join(dir, 'ok.txt'), join(dir, 'bad.txt'), join(dir, 'bad/p')), (e: unknown) => e instanceof DcError && e.code === 'INPUT' && /bad\.txt:2/.test(e.message));
    assert.throws(() => readFileSync(join(dir, 'bad/p_missing.txt')));
  });

  it('scales past one worker chunk (300 000 lines)', async () => {
    const inv: string[] = [];
    const rem: string[] = [];
    for (let i = 0; i < 300_000; i++) {
      inv.push(`/store/f${i} ${i}`);
      if (i % 1000 !== 0) rem.push(`/store/f${i} ${i}`);
    }
    rem.push('/store/extra 1');
    writeFileSync(join(dir, 'big-inv.txt'), inv.join('\n') + '\n');
    writeFileSync(join(dir, 'big-rem.txt'), rem.join('\n') + '\n');
    const r = await compareFiles(join(dir, 'big-inv.txt'), join(dir, 'big-rem.txt'), join(dir, 'big/p'));
    assert.equal(r.missing, 300);
    assert.equal(r.orphan, 1);
    assert.equal(r.sizeMismatch, 0);
  });
});
