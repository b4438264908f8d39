import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DcError } from '../../../src/core/errors.ts';
import { redisOptions } from '../../../src/fleet/fleet-redis.ts';
import { takesTurn } from '../../../src/fleet/fleet-turns.ts';

describe('which runs take the site\'s turn', () => {
  it('a done run, a failed check and an operator\'s halt do; a shutdown or a lost lock do not', () => {
    assert.equal(takesTurn({ runId: 1, status: 'done' }, false), true);
    assert.equal(takesTurn({ runId: 1, status: 'failed', error: new DcError('IO', 'every top directory is unlisted') }, false), true);
    assert.equal(takesTurn({ runId: 1, status: 'halted', error: new DcError('ABORTED', 'halt') }, false), true);
    assert.equal(takesTurn({ runId: 1, status: 'halted', error: new DcError('ABORTED', 'signal') }, true), false);
    assert.equal(takesTurn({ runId: 1, status: 'failed', error: new DcError('ABORTED', 'lock taken over') }, false), false);
  });
});

describe('the Redis connection', () => {
  it('reads host, port, database and credentials from Queue.Url, and logs retries without the password', () => {
    const lines: Record<string, unknown>[] = [];
    const stopping = new AbortController();
    const o = redisOptions('redis://fleet:s%40cret@queue.example:6380/3', (_e, f) => lines.push(f), 'worker', stopping.signal);
    assert.deepEqual([o.host, o.port, o.db, o.username, o.password, o.maxRetriesPerRequest], ['queue.example', 6380, 3, 'fleet', 's@cret', null]);
    assert.deepEqual([1, 2, 3, 6, 9].map((n) => o.retryStrategy!(n)), [500, 1000, 2000, 10_000, 10_000], 'backoff doubles up to 10 s');
    assert.ok(!JSON.stringify(lines).includes('s@cret') && !JSON.stringify(lines).includes('s%40cret'));
    stopping.abort();
    assert.equal(o.retryStrategy!(10), null, 'no new attempt once stopping');
  });

  it('refuses a path that is not a database number', () => {
    assert.throws(() => redisOptions('redis://h:6379/queue', () => undefined, 'daemon', new AbortController().signal), (e: unknown) => e instanceof DcError && e.code === 'CONFIG');
  });
});
