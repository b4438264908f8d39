import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { AtomicWriter } from '../../../src/core/atomic-file.ts';
import { BAD, detectListFormat, DUMP_HEADER, ENTRY, nameOf, newParsedLine, parseListLine, UNKNOWN_SIZE } from '../../../src/core/list-format.ts';

// Issue 15 part 2: the `lfn-size-mtime` lines `dump` writes, and the gzip AtomicWriter it writes them with.
function parse(line: string) {
  const buf = Buffer.from(line);
  const r = newParsedLine();
  const kind = parseListLine('lfn-size-mtime', buf, 0, buf.length, r);
  return { kind, name: kind === ENTRY ? nameOf(buf, r) : '', size: r.size, problem: r.problem };
}

describe('lfn-size-mtime list lines', () => {
  it('reads name size mtime from the right, names with spaces and escapes included', () => {
    assert.deepEqual(parse('/store/with space 12.root 10 1700000000'), { kind: ENTRY, name: '/store/with space 12.root', size: 10, problem: '' });
    assert.equal(parse('/store/new\\nline 5 -').name, '/store/new\nline');
    assert.equal(parse('/store/x - -').size, UNKNOWN_SIZE);
  });

  it('names what is wrong with a bad line', () => {
    assert.match(parse('/store/x 10').problem, /no size column/);
    assert.match(parse('/store/x 10 yesterday').problem, /mtime "yesterday" is neither/);
    assert.match(parse('/store/x ten 1700000000').problem, /size "ten" is neither/);
    assert.equal(parse('/store/x 1 2 ').kind, BAD);
  });

  it('is detected only by the dump header on the first line (a name may end in a number)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dc-lsm-'));
    try {
      writeFileSync(join(dir, 'a'), `${DUMP_HEADER}\n/store/a 1 2\n`);
      writeFileSync(join(dir, 'b'), '/store/a 1 2\n');
      assert.equal((await detectListFormat(join(dir, 'a'))).format, 'lfn-size-mtime');
      assert.equal((await detectListFormat(join(dir, 'b'))).format, 'lfn-size');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('AtomicWriter with gzip', () => {
  it('appears compressed under its name only on commit; abort leaves nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dc-aw-'));
    try {
      const path = join(dir, 'x.txt.gz');
      const w = new AtomicWriter(path, { gzip: true });
      await w.write('hello ');
      assert.ok(!existsSync(path));
      await w.write('world\n');
      await w.commit();
      assert.equal(gunzipSync(readFileSync(path)).toString(), 'hello world\n');
      const a = new AtomicWriter(join(dir, 'y.gz'), { gzip: true });
      await a.write('partial');
      await a.abort();
      assert.deepEqual(readdirSync(dir), ['x.txt.gz']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
