import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { DcError } from '../../../../src/core/errors.ts';
import { XrootdClient } from '../../../../src/protocols/xrootd/xrootd-client.ts';
import { XrootdLister } from '../../../../src/listers/xrootd/xrootd-lister.ts';
import { startFakeServer, treeScript, type FakeServer } from './xrootd-fake-server.ts';
import * as B from './xrootd-frame-builder.ts';

const servers: FakeServer[] = [];
const clients: XrootdClient[] = [];
after(async () => {
  for (const c of clients) c.destroy();
  for (const s of servers) await s.close();
});

async function fake(...args: Parameters<typeof startFakeServer>) {
  const s = await startFakeServer(...args);
  servers.push(s);
  return s;
}

function client(s: FakeServer, opts: ConstructorParameters<typeof XrootdClient>[1] = {}) {
  const c = new XrootdClient({ host: s.host, port: s.port, tlsMode: 'off' }, { requestTimeoutMs: 2000, ...opts });
  clients.push(c);
  return c;
}

const code = (c: string) => (err: unknown) => err instanceof DcError && err.code === c;
const statOk = (sid: number, size = 5) => B.response(sid, 0, [...B.ascii(B.statLine(size, false, 1700000000)), 0]);
const tree = { '/d': [{ name: 'f', size: 3, isDir: false, mtime: 1 }, { name: 'g', size: 0, isDir: true, mtime: 2 }] };

async function collect(it: AsyncIterable<{ name: string }[]>) {
  const names: string[] = [];
  for await (const b of it) for (const e of b) names.push(e.name);
  return names;
}

describe('xrootd client against a scripted server', () => {
  it('honours kXR_wait before asking again', async () => {
    let n = 0;
    const s = await fake((r, c) => c.send(n++ === 0 ? B.waitReply(r.streamId, 1, 'staging') : statOk(r.streamId)));
    const t0 = Date.now();
    const st = await client(s).stat('/f');
    assert.equal(st.size, 5);
    assert.ok(Date.now() - t0 >= 950, `waited ${Date.now() - t0} ms`);
    assert.equal(s.seen.length, 2);
  });

  it('tells its push-back watchers of each kXR_wait it honours, until they stop watching (issue 13)', async () => {
    let n = 0;
    const s = await fake((r, c) => c.send(n++ % 2 === 0 ? B.waitReply(r.streamId, 0, 'busy') : statOk(r.streamId)));
    const c = client(s);
    const seen: string[] = [];
    const stop = c.watchPushback((p) => seen.push(p.kind));
    await c.stat('/f');
    assert.deepEqual(seen, ['wait']);
    stop();
    await c.stat('/g');
    assert.deepEqual(seen, ['wait'], 'no report after stop');
    assert.equal(c.counters.waits, 2);
  });

  it('follows a redirect to another server, carrying its opaque CGI', async () => {
    const target = await fake(treeScript(tree));
    const origin = await fake((r, c) => c.send(B.redirectReply(r.streamId, target.port, `${target.host}?tried=origin&x=1`)));
    const names = await collect(client(origin).dirlist('/d'));
    assert.deepEqual(names, ['f', 'g']);
    assert.deepEqual(target.seen.map((x) => x.path), ['/d?tried=origin&x=1']);
  });

  it('gives up after the redirect cap', async () => {
    const s = await fake((r, c) => c.send(B.redirectReply(r.streamId, s.port, s.host)));
    await assert.rejects(client(s, { maxRedirects: 5 }).stat('/loop'), (e: unknown) => e instanceof DcError && e.code === 'IO' && /redirects/.test(e.message));
    assert.equal(s.seen.length, 6);
  });

  it('waits for a kXR_waitresp answer delivered by kXR_attn, past the request timeout', async () => {
    const s = await fake((r, c) => {
      c.send(B.waitrespReply(r.streamId, 5));
      c.send(B.attnMessage('just saying'));
      setTimeout(() => c.send(B.asynresp(r.streamId, 0, [...B.ascii(B.statLine(77, false, 1)), 0])), 600);
    });
    const st = await client(s, { requestTimeoutMs: 300 }).stat('/late');
    assert.equal(st.size, 77);
  });

  it('streams kXR_oksofar chunks as they arrive, split mid-entry', async () => {
    const text = B.ascii(B.dstatText([{ name: 'a', size: 1, isDir: false, mtime: 1 }, { name: 'b', size: 2, isDir: false, mtime: 1 }, { name: 'c', size: 3, isDir: false, mtime: 1 }]));
    const cut = B.text(Uint8Array.from(text)).indexOf('\nb\n') + 6;
    let release: () => void = () => {};
    const s = await fake((r, c) => {
      c.send(B.response(r.streamId, 4000, text.slice(0, cut)));
      release = () => c.send(B.response(r.streamId, 0, [...text.slice(cut), 0]));
    });
    const it = client(s).dirlist('/d')[Symbol.asyncIterator]();
    const first = await it.next();
    assert.equal(first.done, false);
    assert.ok(first.value && first.value.length >= 1 && first.value.length < 3, 'first batch before the final chunk');
    release();
    const rest: string[] = [];
    for (let x = await it.next(); !x.done; x = await it.next()) rest.push(...x.value.map((e) => e.name));
    assert.deepEqual([...first.value!.map((e) => e.name), ...rest], ['a', 'b', 'c']);
  });

  it('retries in-flight requests on a new connection when the connection drops', async () => {
    let dropped = false;
    const s = await fake((r, c) => {
      if (!dropped && c.id === 1) {
        if (s.seen.length >= 20) {
          dropped = true;
          c.drop();
        }
        return;
      }
      c.send(statOk(r.streamId, 9));
    });
    const cl = client(s, { connectionsPerHost: 1 });
    const sts = await Promise.all(Array.from({ length: 20 }, (_, i) => cl.stat(`/f${i}`)));
    assert.ok(sts.every((x) => x.size === 9));
    assert.ok(s.connections >= 2);
  });

  it('fails with IO after its retries when every connection drops, without crashing', async () => {
    const s = await fake((_r, c) => c.drop());
    await assert.rejects(client(s, { dropRetries: 2 }).stat('/x'), code('IO'));
    assert.equal(s.seen.length, 3);
  });

  it('turns a garbage frame into PROTOCOL for the pending request and reconnects for the next', async () => {
    const s = await fake((r, c) => {
      if (c.id === 1) c.send(Uint8Array.from([0, 1, 0x12, 0x34, 0, 0, 0, 0]));
      else c.send(statOk(r.streamId, 4));
    });
    const cl = client(s, { dropRetries: 0 });
    await assert.rejects(cl.stat('/x'), code('PROTOCOL'));
    assert.equal((await cl.stat('/y')).size, 4);
  });

  it('times out a request the server never answers, and survives its late reply', async () => {
    let held: (() => void) | undefined;
    const s = await fake((r, c) => {
      if (B.text(r.data) === '/slow') held = () => c.send(statOk(r.streamId, 1));
      else c.send(statOk(r.streamId, 2));
    });
    const cl = client(s, { requestTimeoutMs: 200 });
    await assert.rejects(cl.stat('/slow'), code('TIMEOUT'));
    held?.();
    assert.equal((await cl.stat('/fast')).size, 2);
  });

  it('drops a connection silent past the request timeout: the next request goes on a new one (drill D1)', async () => {
    // The first connection swallows every request (a stalled TCP path); later ones answer.
    const s = await fake((r, c) => {
      if (c.id !== 1) c.send(statOk(r.streamId, 7));
    });
    const cl = client(s, { requestTimeoutMs: 200, connectionsPerHost: 1 });
    await assert.rejects(cl.stat('/stuck'), code('TIMEOUT'));
    assert.equal((await cl.stat('/next')).size, 7);
    assert.equal(s.connections, 2);
  });

  it('maps kXR_error to typed codes and keeps the server fields', async () => {
    const s = await fake((r, c) => c.send(B.errorReply(r.streamId, 3010, 'permission denied')));
    await assert.rejects(client(s).stat('/secret'), (e: unknown) => e instanceof DcError && e.code === 'PERMISSION' && e.detail?.xrootdErrno === 3010 && e.detail?.xrootdMessage === 'permission denied');
  });

  it('abandons a listing on abort and keeps the connection usable', async () => {
    const s = await fake((r, c) => {
      if (r.requestId === 3004) c.send(B.response(r.streamId, 4000, B.ascii('.\n0 0 0 0\nx\n1 1 16 1\n')));
      else c.send(statOk(r.streamId, 3));
    });
    const cl = client(s);
    const ac = new AbortController();
    const it = cl.dirlist('/d', { signal: ac.signal })[Symbol.asyncIterator]();
    await it.next();
    ac.abort();
    await assert.rejects(it.next(), code('ABORTED'));
    assert.equal((await cl.stat('/ok')).size, 3);
    assert.equal(s.connections, 1);
  });

  it('authenticates with unix when the server asks, and refuses protocols it does not speak', async () => {
    const s = await fake(treeScript(tree));
    s.setSecurity('&P=unix');
    assert.equal((await client(s).stat('/d')).isDir, true);
    s.setSecurity('&P=gsi,v:10000');
    await assert.rejects(client(s).stat('/d'), code('UNSUPPORTED'));
  });

  it('spreads requests over several connections of the pool', async () => {
    const s = await fake((r, c) => setTimeout(() => c.send(statOk(r.streamId)), 20));
    const cl = client(s, { connectionsPerHost: 3, spreadAt: 4 });
    await Promise.all(Array.from({ length: 30 }, (_, i) => cl.stat(`/f${i}`)));
    assert.equal(s.connections, 3);
  });
});

describe('xrootd lister against a scripted server', () => {
  it('stats each entry when the server ignores kXR_dstat', async () => {
    const s = await fake((r, c) => {
      const p = B.text(r.data);
      if (r.requestId === 3004) c.send(B.response(r.streamId, 0, [...B.ascii('file1\nsubdir'), 0]));
      else c.send(B.response(r.streamId, 0, [...B.ascii(B.statLine(p.endsWith('file1') ? 11 : 0, p.endsWith('subdir'), 1600000000)), 0]));
    });
    const lister = new XrootdLister(`root://${s.host}:${s.port}//base`);
    const got = [];
    for await (const b of lister.listDir('/d', new AbortController().signal)) got.push(...b);
    got.sort((a, b) => a.name.localeCompare(b.name));
    assert.deepEqual(got, [
      { name: 'file1', isDir: false, size: 11, mtime: 1600000000 },
      { name: 'subdir', isDir: true, size: 0, mtime: 1600000000 },
    ]);
    assert.deepEqual(s.seen.map((x) => x.path).sort(), ['/base/d', '/base/d/file1', '/base/d/subdir']);
    await lister.close();
  });

  it('discovers doors with kXR_locate and lists through them', async () => {
    const door = await fake(treeScript(tree));
    const redirector = await fake((r, c) => c.send(B.response(r.streamId, 0, [...B.ascii(`Sr${door.host}:${door.port}`), 0])));
    const lister = new XrootdLister(`root://${redirector.host}:${redirector.port}/`, { useLoadBalancer: false });
    const got = [];
    for await (const b of lister.listDir('/d', new AbortController().signal)) got.push(...b.map((e) => e.name));
    assert.deepEqual(got, ['f', 'g']);
    assert.deepEqual(redirector.seen.map((x) => x.requestId), [3027]);
    assert.deepEqual(door.seen.map((x) => x.path), ['/d']);
    await lister.close();
  });
});
