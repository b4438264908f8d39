import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { planRound, type SiteSchedule } from '../../../src/fleet/fleet-plan.ts';

const HOUR = 3600;
const NOW = 1_800_000_000;

function site(name: string, o: Partial<SiteSchedule> = {}): SiteSchedule {
  return { site: name, everySeconds: 168 * HOUR, lockGroup: '', status: 'ready', busy: false, ...o };
}

const plan = (sites: SiteSchedule[], freeSlots = 10, busyGroups: string[] = []) => planRound(sites, { now: NOW, freeSlots, busyGroups: new Set(busyGroups) });

describe('the daemon\'s round', () => {
  it('starts due sites oldest-first, never-checked ones first', () => {
    const p = plan([
      site('T2_C', { last: { runId: 7, startedAt: NOW - 200 * HOUR } }),
      site('T2_B'),
      site('T2_A', { last: { runId: 3, startedAt: NOW - 300 * HOUR } }),
      site('T2_D', { last: { runId: 9, startedAt: NOW - 1 * HOUR } }),
    ]);
    assert.deepEqual(p.start.map((c) => c.site), ['T2_B', 'T2_A', 'T2_C']);
    assert.deepEqual(p.start.map((c) => c.slot), [0, 3, 7], 'the slot is the run the check follows');
    assert.equal(p.nextDueAt, NOW - HOUR + 168 * HOUR, 'the next site due is the one checked an hour ago');
  });

  it('honours each site\'s cadence, fractions of an hour too', () => {
    const p = plan([site('T2_A', { everySeconds: 0.001 * HOUR, last: { runId: 1, startedAt: NOW - 4 } }), site('T2_B', { everySeconds: 0.002 * HOUR, last: { runId: 2, startedAt: NOW - 4 } })]);
    assert.deepEqual(p.start.map((c) => c.site), ['T2_A']);
    assert.equal(p.nextDueAt, NOW - 4 + 7.2);
  });

  it('starts no more than the free slots and says why the others wait', () => {
    const p = plan([site('T2_A'), site('T2_B'), site('T2_C')], 2);
    assert.deepEqual(p.start.map((c) => c.site), ['T2_A', 'T2_B']);
    assert.deepEqual(p.waiting, [{ site: 'T2_C', reason: 'MaxConcurrentChecks reached' }]);
  });

  it('runs one check per lock group, counting groups already busy', () => {
    const p = plan([site('T2_A', { lockGroup: 'gfal' }), site('T2_B', { lockGroup: 'gfal' }), site('T2_C', { lockGroup: 'srm' }), site('T2_D')], 10, ['srm']);
    assert.deepEqual(p.start.map((c) => c.site), ['T2_A', 'T2_D']);
    assert.deepEqual(p.waiting, [
      { site: 'T2_B', reason: 'lock group gfal busy' },
      { site: 'T2_C', reason: 'lock group srm busy' },
    ]);
  });

  it('skips busy, disabled and not-ready sites, keeping halted ones in the rotation', () => {
    const p = plan([site('T2_A', { busy: true }), site('T2_B', { status: 'disable' }), site('T2_C', { notReady: 'downtime' }), site('T2_D', { status: 'halt' })]);
    assert.deepEqual(p.start.map((c) => c.site), ['T2_D']);
    assert.deepEqual(p.waiting, [
      { site: 'T2_B', reason: 'disabled' },
      { site: 'T2_C', reason: 'not ready: downtime' },
    ]);
  });
});
