import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DcError } from '../../../src/core/errors.ts';
import { XrdfsLister } from '../../../src/listers/xrdfs/xrdfs-lister.ts';
import { codeOf } from '../../helpers/error-code.ts';

/**
 * Faults a real xrdfs cannot be made to show on demand (a hung command, a crash half-way through a
 * listing), played by small shell scripts that speak xrdfs's interactive protocol: prompt, echo,
 * output, prompt. The target URL arrives as $1 and is ignored.
 */
const PROMPT = "printf '[fake:1094] / > '";

function fake(body: string): string[] {
  return ['sh', '-c', body, 'fake-xrdfs'];
}

/** Answers every command after `delay` seconds with one file entry. */
const slowButFine = (delay: string) =>
  fake(`${PROMPT}; while read -r line; do echo "$line"; sleep ${delay}; echo '-rw-r--r-- u g 7 2020-01-02 03:04:05 /d/f one'; ${PROMPT}; done`);

async function collect(lister: XrdfsLister, path: string, signal = new AbortController().signal) {
  const out = [];
  for await (const b of lister.listDir(path, signal)) out.push(...b);
  return out;
}

describe('xrdfs CLI lister faults (scripted xrdfs)', () => {
  it('parses a listing from the interactive protocol', async () => {
    const lister = new XrdfsLister({ env: process.env, url: 'root://h:1094', command: slowButFine('0'), concurrency: 1, timeoutMs: 5000 });
    try {
      assert.deepEqual(await collect(lister, '/d'), [{ name: 'f one', isDir: false, size: 7, mtime: Date.UTC(2020, 0, 2, 3, 4, 5) / 1000 }]);
    } finally {
      await lister.close();
    }
  });

  it('times out a hung command, kills that xrdfs and uses a fresh one for the next command', async () => {
    const lister = new XrdfsLister({ env: process.env, url: 'root://h:1094', command: fake(`${PROMPT}; read -r line; echo "$line"; exec sleep 30`), concurrency: 1, timeoutMs: 300 });
    try {
      const t0 = Date.now();
      assert.equal(await codeOf(collect(lister, '/d')), 'TIMEOUT');
      assert.equal(await codeOf(collect(lister, '/d')), 'TIMEOUT');
      assert.ok(Date.now() - t0 < 3000);
    } finally {
      await lister.close();
    }
  });

  it('fails a directory whose xrdfs died half-way through its output, yielding nothing from it', async () => {
    const lister = new XrdfsLister({
      env: process.env,
      url: 'root://h:1094',
      command: fake(`${PROMPT}; read -r line; echo "$line"; echo '-rw-r--r-- u g 1 2020-01-01 00:00:00 /d/partial'; exit 3`),
      concurrency: 1,
      timeoutMs: 5000,
    });
    try {
      const batches: unknown[] = [];
      const err = await (async () => {
        for await (const b of lister.listDir('/d', new AbortController().signal)) batches.push(b);
      })().catch((e: unknown) => e);
      assert.ok(err instanceof DcError && err.code === 'IO', String(err));
      assert.match(err.message, /exited/);
      assert.deepEqual(batches, []);
    } finally {
      await lister.close();
    }
  });

  it('treats "Some of the requests failed" after entries as a failed directory', async () => {
    const lister = new XrdfsLister({
      env: process.env,
      url: 'root://h:1094',
      command: fake(`${PROMPT}; while read -r line; do echo "$line"; echo '-rw-r--r-- u g 1 2020-01-01 00:00:00 /d/a'; echo '[ERROR] Some of the requests failed'; ${PROMPT}; done`),
      concurrency: 1,
      timeoutMs: 5000,
    });
    try {
      assert.equal(await codeOf(collect(lister, '/d')), 'IO');
      // The process stays in step: the next command is parsed on its own.
      assert.equal(await codeOf(collect(lister, '/d')), 'IO');
    } finally {
      await lister.close();
    }
  });

  it('stops promptly with ABORTED when the caller aborts a running command', async () => {
    const lister = new XrdfsLister({ env: process.env, url: 'root://h:1094', command: slowButFine('30'), concurrency: 1, timeoutMs: 60_000 });
    try {
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 200);
      const t0 = Date.now();
      assert.equal(await codeOf(collect(lister, '/d', ac.signal)), 'ABORTED');
      assert.ok(Date.now() - t0 < 2000);
    } finally {
      await lister.close();
    }
  });

  it('runs up to `concurrency` commands at once, one per xrdfs process', async () => {
    const lister = new XrdfsLister({ env: process.env, url: 'root://h:1094', command: slowButFine('0.3'), concurrency: 3, timeoutMs: 10_000 });
    try {
      const t0 = Date.now();
      const results = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => collect(lister, `/d${i}`)));
      const elapsed = Date.now() - t0;
      assert.equal(results.flat().length, 6);
      // Serialised on one process this would take 1.8 s; three processes need two rounds.
      assert.ok(elapsed < 1500, `took ${elapsed} ms`);
    } finally {
      await lister.close();
    }
  });

  it('names the way to get xrdfs when the command does not exist', async () => {
    const lister = new XrdfsLister({ env: process.env, url: 'root://h:1094', command: ['/nonexistent/xrdfs'], concurrency: 1, timeoutMs: 5000 });
    try {
      const err = await collect(lister, '/d').catch((e: unknown) => e);
      assert.ok(err instanceof DcError && err.code === 'CONFIG', String(err));
      assert.match(err.message, /setup-system\.sh/);
    } finally {
      await lister.close();
    }
  });
});
