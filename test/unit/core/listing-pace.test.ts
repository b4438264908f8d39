import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LISTING_CEILING, LISTING_START, ListingPace, type PaceOptions } from '../../../src/core/listing-pace.ts';

/**
 * A closed-loop simulation on a fake clock: the walk keeps `pace.level` listings in flight (or
 * `frontier`, if fewer directories are waiting), each crossing a network of round trip `rttMs` to a
 * server of `slots` workers that spend `serviceMs` on one listing.
 */
interface Sim {
  rttMs: number;
  slots: number;
  serviceMs: number;
  /** Directories available to list at once (a narrow tree): default unlimited. */
  frontier?: number;
  /** ms of simulated time. */
  durationMs: number;
  /** Pushback when a request would queue longer than this at the server (a server answering kXR_wait under load). */
  waitAfterMs?: number;
}

function simulate(sim: Sim, opts: Partial<PaceOptions> = {}): { pace: ListingPace; levels: number[]; completions: number } {
  let now = 0;
  const pace = new ListingPace({ cap: LISTING_CEILING, now: () => now, ...opts });
  const free: number[] = new Array(sim.slots).fill(0);
  const inflight: { start: number; end: number }[] = [];
  const levels: number[] = [];
  let completions = 0;
  const launch = () => {
    const limit = Math.min(pace.level, sim.frontier ?? Infinity);
    while (inflight.length < limit) {
      const arrive = now + sim.rttMs / 2;
      // The earliest free worker takes it: queueing shows as latency.
      let k = 0;
      for (let i = 1; i < free.length; i++) if (free[i] < free[k]) k = i;
      const begin = Math.max(arrive, free[k]);
      free[k] = begin + sim.serviceMs;
      if (sim.waitAfterMs !== undefined && begin - arrive > sim.waitAfterMs) pace.pushback({ kind: 'wait' });
      inflight.push({ start: now, end: free[k] + sim.rttMs / 2 });
    }
  };
  launch();
  while (now < sim.durationMs) {
    let j = 0;
    for (let i = 1; i < inflight.length; i++) if (inflight[i].end < inflight[j].end) j = i;
    const r = inflight[j];
    now = r.end;
    pace.finished(r.end - r.start, 40, inflight.length);
    inflight.splice(j, 1);
    completions++;
    levels.push(pace.level);
    launch();
  }
  return { pace, levels, completions };
}

describe('ListingPace', () => {
  it('starts at the start level and grows well above it when the round trip, not the server, limits throughput', () => {
    const { pace, levels } = simulate({ rttMs: 25, slots: 10_000, serviceMs: 0.05, durationMs: 3000 });
    assert.equal(levels[0], LISTING_START);
    assert.ok(pace.report().peak >= 8 * LISTING_START, `peak ${pace.report().peak}`);
    assert.ok(Math.max(...levels) <= LISTING_CEILING);
  });

  it('grows at 100 ms as at 25 ms', () => {
    const { pace } = simulate({ rttMs: 100, slots: 10_000, serviceMs: 0.05, durationMs: 6000 });
    assert.ok(pace.report().peak >= 8 * LISTING_START, `peak ${pace.report().peak}`);
  });

  it('never goes above the cap (a NumThreads the user set)', () => {
    const { pace, levels } = simulate({ rttMs: 25, slots: 10_000, serviceMs: 0.05, durationMs: 3000 }, { cap: 40 });
    assert.ok(Math.max(...levels) <= 40);
    assert.equal(pace.report().peak, 40);
    assert.equal(pace.report().cap, 40);
  });

  it('stays near what a busy server can serve: more in flight only queues there', () => {
    // 4 workers of 2 ms: 2 000 listings/s at most, reached with a handful in flight at 1 ms RTT.
    const { pace, levels } = simulate({ rttMs: 1, slots: 4, serviceMs: 2, durationMs: 5000 });
    const tail = levels.slice(-500);
    const mean = tail.reduce((a, b) => a + b, 0) / tail.length;
    assert.ok(mean < 64, `mean level at the end ${mean}`);
    assert.ok(pace.report().backoffs > 0);
  });

  it('backs off when the server answers with waits under load, and stays below the load that caused them', () => {
    const { pace, levels } = simulate({ rttMs: 25, slots: 24, serviceMs: 5, durationMs: 4000, waitAfterMs: 10 });
    const r = pace.report();
    assert.ok(r.pushbacks > 0 && r.backoffs > 0);
    const tail = levels.slice(-300);
    assert.ok(Math.max(...tail) < r.peak, `tail max ${Math.max(...tail)} peak ${r.peak}`);
  });

  it('halves the level on push-back, once per hold period', () => {
    let now = 0;
    const pace = new ListingPace({ cap: 512, start: 64, now: () => now });
    pace.pushback({ kind: 'throttled' });
    assert.equal(pace.level, 32);
    now += 10;
    pace.pushback({ kind: 'timeout' });
    assert.equal(pace.level, 32, 'requests sent before the cut answer the same way: no second cut');
    now += 1000;
    pace.pushback({ kind: 'wait' });
    assert.equal(pace.level, 16);
    assert.deepEqual(pace.report(), { level: 16, peak: 64, cap: 512, adaptive: true, backoffs: 2, pushbacks: 3 });
  });

  it('never backs off below the floor', () => {
    let now = 0;
    const pace = new ListingPace({ cap: 512, start: 4, floor: 2, now: () => now });
    for (let i = 0; i < 5; i++) {
      pace.pushback({ kind: 'error' });
      now += 10_000;
    }
    assert.equal(pace.level, 2);
  });

  it('does not grow while the tree, not the level, limits the walk', () => {
    const { pace } = simulate({ rttMs: 25, slots: 10_000, serviceMs: 0.05, frontier: 6, durationMs: 3000 });
    assert.equal(pace.report().peak, LISTING_START);
  });

  it('keeps the cap as a fixed level when not adaptive', () => {
    const { pace, levels } = simulate({ rttMs: 1, slots: 2, serviceMs: 2, durationMs: 1000, waitAfterMs: 1 }, { cap: 24, adaptive: false });
    assert.ok(levels.every((l) => l === 24));
    assert.equal(pace.report().backoffs, 0);
  });

  it('starts at the cap when the cap is below the start level', () => {
    const pace = new ListingPace({ cap: 4, now: () => 0 });
    assert.equal(pace.level, 4);
  });
});
