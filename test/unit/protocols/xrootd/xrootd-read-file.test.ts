import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { DcError } from '../../../../src/core/errors.ts';
import { XrootdClient } from '../../../../src/protocols/xrootd/xrootd-client.ts';
import { readXrootdFile } from '../../../../src/protocols/xrootd/xrootd-read-file.ts';
import { startFakeServer, type FakeServer } from './xrootd-fake-server.ts';
import * as B from './xrootd-frame-builder.ts';

// Issue 15: a whole file read with kXR_open / kXR_read / kXR_close, for the faults a real server
// does not produce on demand (kXR_wait mid-file, a redirect while the file is open).
const servers: FakeServer[] = [];
const clients: XrootdClient[] = [];
after(async () => {
  for (const c of clients) c.destroy();
  for (const s of servers) await s.close();
});

const HANDLE = [0, 0, 0, 42];
const DATA = Buffer.from(Array.from({ length: 2500 }, (_, i) => 32 + (i % 90)));
const OPEN = 3010;
const READ = 3013;
const CLOSE = 3003;

interface Seen {
  requestId: number;
  offset?: number;
  length?: number;
  handle?: number[];
}

/** A file server: kXR_open answers HANDLE, kXR_read serves DATA in two bodies; `fault` may answer a read first. */
async function fileServer(fault?: (r: B.ParsedRequest, n: number) => Uint8Array | undefined) {
  const seen: Seen[] = [];
  let reads = 0;
  const s = await startFakeServer((r, c) => {
    const p = r.params;
    if (r.requestId === OPEN) {
      seen.push({ requestId: OPEN });
      c.send(B.response(r.streamId, 0, [...HANDLE, ...B.be32(0), 0, 0, 0, 0, ...B.ascii(B.statLine(DATA.length, false, 1700000000)), 0]));
    } else if (r.requestId === READ) {
      const offset = Buffer.from(p).readUInt32BE(4) * 2 ** 32 + Buffer.from(p).readUInt32BE(8);
      const length = Buffer.from(p).readUInt32BE(12);
      seen.push({ requestId: READ, offset, length, handle: [...p.slice(0, 4)] });
      const f = fault?.(r, reads++);
      if (f) return c.send(f);
      const bytes = DATA.subarray(offset, offset + length);
      const half = Math.floor(bytes.length / 2);
      c.send(B.bytes(B.response(r.streamId, B.S.oksofar, bytes.subarray(0, half)), B.response(r.streamId, B.S.ok, bytes.subarray(half))));
    } else if (r.requestId === CLOSE) {
      seen.push({ requestId: CLOSE, handle: [...p.slice(0, 4)] });
      c.send(B.response(r.streamId, 0));
    }
  });
  servers.push(s);
  const client = new XrootdClient({ host: s.host, port: s.port, tlsMode: 'off' }, { requestTimeoutMs: 2000, maxWaitSeconds: 1 });
  clients.push(client);
  return { client, seen };
}

async function readAll(it: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of it) parts.push(p);
  return Buffer.concat(parts);
}

describe('reading a whole file over xrootd', () => {
  it('opens, reads chunk after chunk with the handle at growing offsets until a short read, and closes', async () => {
    const { client, seen } = await fileServer();
    let size: number | undefined;
    const got = await readAll(readXrootdFile(client, '/store/accounting/x.tsv', { chunk: 1000, onOpen: (f) => (size = f.stat?.size) }));
    assert.ok(got.equals(DATA));
    assert.equal(size, DATA.length);
    assert.deepEqual(seen, [
      { requestId: OPEN },
      { requestId: READ, offset: 0, length: 1000, handle: HANDLE },
      { requestId: READ, offset: 1000, length: 1000, handle: HANDLE },
      { requestId: READ, offset: 2000, length: 1000, handle: HANDLE },
      { requestId: CLOSE, handle: HANDLE },
    ]);
  });

  it('honours a kXR_wait answered to a read and asks again at the same offset', async () => {
    const { client, seen } = await fileServer((r, n) => (n === 1 ? B.waitReply(r.streamId, 0, 'busy') : undefined));
    const got = await readAll(readXrootdFile(client, '/f', { chunk: 1000 }));
    assert.ok(got.equals(DATA));
    assert.deepEqual(seen.filter((s) => s.requestId === READ).map((s) => s.offset), [0, 1000, 1000, 2000]);
    assert.equal(client.counters.waits, 1);
  });

  it('fails with IO when redirected while the file is open (the handle means nothing elsewhere), and still closes', async () => {
    const { client, seen } = await fileServer((r, n) => (n === 1 ? B.redirectReply(r.streamId, 1094, 'elsewhere.example') : undefined));
    await assert.rejects(readAll(readXrootdFile(client, '/f', { chunk: 1000 })), (e: unknown) => e instanceof DcError && e.code === 'IO' && /redirected while a file is open/.test(e.message));
    assert.equal(seen.at(-1)?.requestId, CLOSE);
  });

  it('maps a kXR_error answered to a read to its typed code', async () => {
    const { client } = await fileServer((r) => B.errorReply(r.streamId, 3007, 'disk on fire'));
    await assert.rejects(readAll(readXrootdFile(client, '/f', { chunk: 1000 })), (e: unknown) => e instanceof DcError && /disk on fire/.test(e.message));
  });

  it('stops on abort without waiting for a close', async () => {
    const { client, seen } = await fileServer();
    const ac = new AbortController();
    await assert.rejects(async () => {
      for await (const _ of readXrootdFile(client, '/f', { chunk: 1000, signal: ac.signal })) ac.abort();
    }, (e: unknown) => e instanceof DcError && e.code === 'ABORTED');
    assert.ok(!seen.some((s) => s.requestId === CLOSE));
  });
});
