import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DcError } from '../../../../src/core/errors.ts';
import { errorFromOutput, parseLsLine, parseStatOutput, quoteXrdfsPath, toDirEntry } from '../../../../src/listers/xrdfs/xrdfs-output.ts';

describe('xrdfs output parsing', () => {
  it('reads a long ls line with a right-aligned size and a raw path holding spaces', () => {
    const p = parseLsLine('-rw-r--r-- root root      5 2026-11-25 14:27:58 /a b/f #%1');
    assert.deepEqual(p, { isDir: false, size: 5, mtime: Date.UTC(2026, 10, 25, 14, 27, 58) / 1000, path: '/a b/f #%1' });
    assert.deepEqual(toDirEntry('/a b', p!), { name: 'f #%1', isDir: false, size: 5, mtime: p!.mtime });
  });

  it('reads directories (size reported 0) and the short flag form of servers without extended stat', () => {
    const d = parseLsLine('drwxr-xr-x root root 4096 2026-11-25 14:27:58 /a b/sub')!;
    assert.equal(toDirEntry('/a b', d).size, 0);
    assert.equal(d.isDir, true);
    const s = parseLsLine('dr-x        0 2020-01-01 00:00:00 /x/y')!;
    assert.deepEqual([s.isDir, s.size, s.path], [true, 0, '/x/y']);
  });

  it('keeps a trailing space and leading dashes of names', () => {
    const p = parseLsLine('-rw-r--r-- u g 1 2020-01-01 00:00:00 /d/-x ')!;
    assert.equal(toDirEntry('/d', p).name, '-x ');
  });

  it('rejects lines that are not entries', () => {
    for (const line of ['[ERROR] Server responded with an error: [3011] Unable to locate /x', '[FATAL] Connection error', 'Some of the requests failed', '']) {
      assert.equal(parseLsLine(line), undefined, line);
    }
  });

  it('reports a file listed as a directory as NOT_FOUND', () => {
    const p = parseLsLine('-rw-r--r-- u g 0 2020-01-01 00:00:00 /d/f')!;
    assert.throws(() => toDirEntry('/d/f', p), (e: unknown) => e instanceof DcError && e.code === 'NOT_FOUND');
  });

  it('maps XRootD error numbers to codes', () => {
    const cases: [string, string][] = [
      ['[ERROR] Server responded with an error: [3011] Unable to locate /m; no such file or directory', 'NOT_FOUND'],
      ['[ERROR] Server responded with an error: [3010] Unable to open directory /l; permission denied', 'PERMISSION'],
      ['[FATAL] Connection error', 'IO'],
      ['[ERROR] Operation expired', 'TIMEOUT'],
      ['[ERROR] Some of the requests failed', 'IO'],
    ];
    for (const [line, code] of cases) {
      const e = errorFromOutput('/p', [line]);
      assert.equal(e.code, code, line);
    }
    assert.equal(errorFromOutput('/p', ['[3010] x']).detail?.xrootdCode, 3010);
  });

  it('quotes with whichever quote the path lacks, and refuses paths it cannot express', () => {
    assert.equal(quoteXrdfsPath('/a b'), "'/a b'");
    assert.equal(quoteXrdfsPath("/it's"), `"/it's"`);
    assert.throws(() => quoteXrdfsPath(`/a'"b`), (e: unknown) => e instanceof DcError && e.code === 'UNSUPPORTED');
    assert.throws(() => quoteXrdfsPath('/a\nb'), (e: unknown) => e instanceof DcError && e.code === 'UNSUPPORTED');
    assert.throws(() => quoteXrdfsPath('/a\tb'), (e: unknown) => e instanceof DcError && e.code === 'UNSUPPORTED');
  });

  it('reads stat output', () => {
    const lines = ['Path:   /a b', 'Id:     1', 'Size:   4096', 'MTime:  2026-11-25 14:27:58', 'Flags:  19 (XBitSet|IsDir|IsReadable)', 'Mode:   0755'];
    assert.deepEqual(parseStatOutput('/a b', lines), { name: 'a b', isDir: true, size: 0, mtime: Date.UTC(2026, 10, 25, 14, 27, 58) / 1000 });
    assert.equal(parseStatOutput('/x', ['[ERROR] Server responded with an error: [3011] no']), undefined);
  });
});
