/**
 * Answers read through undici's dispatch API: back-pressure on a slow reader, dropping an answer,
 * and aborts at every stage (queued behind a busy connection, waiting for headers, mid-body).
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { Agent, type Dispatcher } from 'undici';
import { AnswerBody, exchange } from '../../../../src/protocols/webdav/webdav-answer-body.ts';
import { DcError } from '../../../../src/core/errors.ts';

class FakeController implements Dispatcher.DispatchController {
  paused = false;
  aborted = false;
  reason: Error | null = null;
  pauses = 0;
  pause() {
    this.paused = true;
    this.pauses++;
  }
  resume() {
    this.paused = false;
  }
  abort(reason: Error) {
    this.aborted = true;
    this.reason = reason;
  }
}

const isAborted = (err: unknown) => err instanceof DcError && err.code === 'ABORTED';

describe('webdav answer body', () => {
  const servers: Server[] = [];
  after(async () => {
    for (const s of servers) await new Promise((r) => s.close(r));
  });

  it('pauses the connection while more than 1 MiB waits unread, and resumes it once read', () => {
    const body = new AnswerBody();
    const c = new FakeController();
    body.attach(c);
    const chunk = Buffer.alloc(64 * 1024);
    for (let k = 0; k < 20; k++) body.push(chunk);
    assert.equal(c.paused, true);
    let read = 0;
    for (let x = body.take(); x; x = body.take()) read += x.length;
    assert.equal(read, 20 * chunk.length);
    assert.equal(c.paused, false);
    body.end();
    assert.equal(body.take(), null);
  });

  it('aborts the request when the reader drops the answer, and says so to a later read', () => {
    const body = new AnswerBody();
    const c = new FakeController();
    body.attach(c);
    body.push(Buffer.from('x'));
    body.destroy();
    assert.ok(isAborted(c.reason));
    assert.throws(() => body.take(), isAborted);
  });

  it('cuts a big answer it was only asked to discard', async () => {
    const body = new AnswerBody();
    const c = new FakeController();
    body.attach(c);
    for (let k = 0; k < 40; k++) body.push(Buffer.alloc(64 * 1024));
    await body.discard(1 << 20);
    assert.equal(c.aborted, true);
  });

  it('gives up at once on an abort, whether queued, waiting for headers or reading the body', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const server = createServer((req, res) => {
      if (req.url === '/slow-headers') return void held.then(() => res.end('late'));
      res.writeHead(200);
      res.write('first part');
      void held.then(() => res.end());
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const agent = new Agent({ connections: 1 });
    try {
      // Mid-body: headers came, the body stalls.
      const a1 = new AbortController();
      const x = await exchange(agent, { origin, path: '/body', method: 'GET' }, a1.signal);
      while (x.body.take() === undefined) await x.body.wait();
      const waiting = x.body.wait();
      a1.abort();
      await waiting;
      assert.throws(() => x.body.take(), isAborted);
      // Waiting for headers, and a second request queued behind it on the only connection.
      const a2 = new AbortController();
      const a3 = new AbortController();
      const p2 = exchange(agent, { origin, path: '/slow-headers', method: 'GET' }, a2.signal);
      const p3 = exchange(agent, { origin, path: '/queued', method: 'GET' }, a3.signal);
      a3.abort();
      await assert.rejects(p3, isAborted);
      a2.abort();
      await assert.rejects(p2, isAborted);
    } finally {
      release();
      await agent.destroy();
    }
  });
});
