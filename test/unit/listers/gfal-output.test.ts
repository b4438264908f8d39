import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DcError } from '../../../src/core/errors.ts';
import { gfalError, gfalUrl, parseGfalLine } from '../../../src/listers/gfal/gfal-output.ts';
import { createGfalLister, GfalLister } from '../../../src/listers/gfal/gfal-lister.ts';
import { siteBackend } from '../../helpers/backend-site.ts';

describe('gfal-ls output', () => {
  it('parses full-iso lines, names with spaces and tabs of the xattr column', () => {
    assert.deepEqual(parseGfalLine('-rw-r--r--   1 0     0             3 2026-11-25 14:29:11.000000 +0000 f 1.txt\t'), {
      name: 'f 1.txt',
      isDir: false,
      size: 3,
      mtime: Date.UTC(2026, 10, 25, 14, 29, 11) / 1000,
    });
    const d = parseGfalLine('drwxr-xr-x   3 0     0          4096 2020-01-02 03:04:05.250000 +0100  leading space\t');
    assert.deepEqual(d, { name: ' leading space', isDir: true, size: 0, mtime: Date.UTC(2020, 0, 2, 2, 4, 5) / 1000 + 0.25 });
    assert.equal(parseGfalLine('-rw-r--r--   1 0     0    1234567890123 2026-11-25 14:29 big.root\t')?.size, 1234567890123, 'long-iso minutes');
  });

  it('skips . and .. and special files, rejects anything else', () => {
    assert.equal(parseGfalLine('drwxr-xr-x   3 0     0          4096 2026-11-25 14:29:11.000000 +0000 .\t'), undefined);
    assert.equal(parseGfalLine('drwxrwxrwx  15 0     0          4096 2026-11-25 14:29:11.000000 +0000 ..\t'), undefined);
    assert.equal(parseGfalLine('srwxr-xr-x   1 0     0             0 2026-11-25 14:29:11.000000 +0000 sock\t'), undefined);
    assert.throws(() => parseGfalLine('Traceback (most recent call last):'), (e: unknown) => e instanceof DcError && e.code === 'PROTOCOL');
  });

  it('maps errno and server words to codes', () => {
    const code = (stderr: string, exit = 2) => gfalError('root://h//x', exit, stderr).code;
    assert.equal(code('gfal-ls error: 2 (No such file or directory) - errno reported by local system call No such file or directory'), 'NOT_FOUND');
    assert.equal(code('gfal-ls error: 13 (Permission denied) - x'), 'PERMISSION');
    assert.equal(code('gfal-ls error: 84 (Invalid or incomplete multibyte or wide character) - Failed reading directory: [ERROR] Error response: permission denied (Unknown error 400)'), 'PERMISSION');
    assert.equal(code('gfal-ls error: 110 (Connection timed out) - x'), 'TIMEOUT');
    assert.equal(code('gfal-ls error: 111 (Connection refused) - x'), 'IO');
    assert.equal(code("Traceback (most recent call last):\n  File x\nUnicodeDecodeError: 'utf-8' codec can't decode", 255), 'PROTOCOL');
  });

  it('builds URLs the seed way, percent-encoding only for HTTP-family schemes', () => {
    assert.equal(gfalUrl('root://h:1094/', '/cms/store/a b'), 'root://h:1094//cms/store/a b');
    assert.equal(gfalUrl('file:///mnt/site', '/store/a#b'), 'file:///mnt/site/store/a#b');
    assert.equal(gfalUrl('file:///', '/store'), 'file:///store');
    assert.equal(gfalUrl('davs://h:443/dav', '/a b/c#d'), 'davs://h:443/dav/a%20b/c%23d');
  });
});

describe('gfal lister', () => {
  it('reports a missing gfal-ls as UNSUPPORTED and a bad GfalCommand as CONFIG', async () => {
    const lister = new GfalLister({ env: process.env, url: 'file:///tmp', command: ['/nonexistent/gfal-ls'], concurrency: 1, timeoutMs: 5000 });
    await assert.rejects(
      (async () => {
        for await (const _ of lister.listDir('/', new AbortController().signal));
      })(),
      (e: unknown) => e instanceof DcError && e.code === 'UNSUPPORTED',
    );
    await lister.close();
    assert.throws(() => createGfalLister(siteBackend({ Url: 'file:///', NumThreads: 1, Timeout: 5, GfalCommand: 7 })), /GfalCommand/);
  });
});
