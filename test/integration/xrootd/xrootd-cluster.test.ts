/**
 * Real kXR_redirect and door discovery: a manager (xrootd + cmsd) and a data server (xrootd + cmsd)
 * of xrootd 5.5 in one test namespace; the manager redirects a stat to the data server holding the
 * file, and kXR_locate on the manager names that server (door discovery).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { XrootdClient } from '../../../src/protocols/xrootd/xrootd-client.ts';
import { readXrootdFile } from '../../../src/protocols/xrootd/xrootd-read-file.ts';
import { XrootdLister } from '../../../src/listers/xrootd/xrootd-lister.ts';
import type { Netns } from '../../servers/netns.ts';
import { startXrootdCluster, type XrootdCluster } from '../../servers/xrootd-cluster.ts';

/** 10 000 bytes of every value, for a file read in several kXR_read chunks. */
const BIG = Buffer.from(Array.from({ length: 10_000 }, (_, i) => (i * 131 + 7) % 256));

describe('xrootd lister through a real manager + data server cluster', () => {
  let base = '';
  let ns: Netns;
  let cluster: XrootdCluster | undefined;
  let managerUrl = '';

  before(async () => {
    base = mkdtempSync('/tmp/dctest-xrdcluster-');
    chmodSync(base, 0o755);
    const data = `${base}/data`;
    mkdirSync(`${data}/store/d/sub`, { recursive: true });
    chmodSync(data, 0o755);
    writeFileSync(`${data}/store/d/f1`, 'abc');
    writeFileSync(`${data}/store/d/f 2#`, '');
    writeFileSync(`${data}/store/big.bin`, BIG);
    // Ready once the manager locates the file on the data server (its cmsd has logged in).
    cluster = await startXrootdCluster({ dataDir: data, readyPath: '/store/d/f1' });
    ns = cluster.netns;
    managerUrl = `root://${cluster.manager}`;
  });

  after(async () => {
    await cluster?.stop();
    if (base) rmSync(base, { recursive: true, force: true });
  });

  it('lists through the manager and follows its kXR_redirect to the data server for stat', async () => {
    const client = new XrootdClient({ host: ns.nsAddr, port: 1094, tlsMode: 'off' }, { requestTimeoutMs: 20_000, maxWaitSeconds: 1 });
    try {
      const names: string[] = [];
      for await (const b of client.dirlist('/store/d')) names.push(...b.map((e) => `${e.name}:${e.stat?.size}`));
      assert.deepEqual(names.sort(), ['f 2#:0', 'f1:3', 'sub:0']);
      const afterList = client.counters.redirects;
      assert.equal((await client.stat('/store/d/f1')).size, 3);
      // The 5.5 manager answers dirlist itself but redirects stat to the server holding the file.
      assert.ok(client.counters.redirects > afterList, `stat followed no redirect (${JSON.stringify(client.counters)})`);
    } finally {
      client.destroy();
    }
  });

  it('reads a file through the manager: kXR_open follows the redirect, kXR_read and kXR_close go to the data server (issue 15)', async () => {
    const client = new XrootdClient({ host: ns.nsAddr, port: 1094, tlsMode: 'off' }, { requestTimeoutMs: 20_000, maxWaitSeconds: 1 });
    try {
      const before = client.counters.redirects;
      const parts: Buffer[] = [];
      let size: number | undefined;
      for await (const c of readXrootdFile(client, '/store/big.bin', { chunk: 3000, onOpen: (f) => (size = f.stat?.size) })) parts.push(c);
      assert.ok(client.counters.redirects > before, `open followed no redirect (${JSON.stringify(client.counters)})`);
      assert.equal(size, BIG.length, 'kXR_retstat gave the size');
      assert.ok(parts.length >= 4, `read in chunks of 3000 (${parts.length} parts)`);
      assert.ok(Buffer.concat(parts).equals(BIG), 'the bytes as stored');
      await assert.rejects(async () => {
        for await (const _ of readXrootdFile(client, '/store/nope.bin')) assert.fail('no data for a missing file');
      }, (e: unknown) => (e as { code?: string }).code === 'NOT_FOUND');
    } finally {
      client.destroy();
    }
  });

  it('discovers the data server with kXR_locate and lists through it (UseLoadBalancer false)', async () => {
    const lister = new XrootdLister(managerUrl, { useLoadBalancer: false, requestTimeoutMs: 20_000, maxWaitSeconds: 1 });
    try {
      const names: string[] = [];
      for await (const b of lister.listDir('/store/d', new AbortController().signal)) names.push(...b.map((e) => e.name));
      assert.deepEqual(names.sort(), ['f 2#', 'f1', 'sub']);
    } finally {
      await lister.close();
    }
  });
});
