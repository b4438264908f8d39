import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { QueueReader } from '../../../src/fleet/fleet-queue-reader.ts';
import { freePort } from '../../servers/free-port.ts';

describe('reading the queue for the dashboard', () => {
  it('answers at once that Redis is unreachable, without the password, and again on the next read', async () => {
    const port = await freePort(); // nothing listens there
    const logged: string[] = [];
    const reader = new QueueReader({ url: `redis://fleet:s3cret-pw@127.0.0.1:${port}/0`, name: 'q', stallSeconds: 3 }, (e, f) => logged.push(JSON.stringify({ e, ...f })));
    try {
      for (let i = 0; i < 2; i++) {
        const t = Date.now();
        const r = await reader.read();
        assert.equal(r.ok, false);
        assert.ok(!r.ok && /ECONNREFUSED/.test(r.error), JSON.stringify(r));
        assert.ok(Date.now() - t < 3000, `answered in ${Date.now() - t} ms`);
        assert.ok(!JSON.stringify(r).includes('s3cret'));
      }
      assert.ok(!logged.join('\n').includes('s3cret'));
    } finally {
      await reader.close();
    }
  });
});
