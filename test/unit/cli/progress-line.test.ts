import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Logger } from '../../../src/cli/cli-log.ts';
import { progressReporter } from '../../../src/cli/progress-line.ts';
import type { CheckProgress } from '../../../src/check/check-types.ts';

function recorder(json: boolean) {
  const lines: string[] = [];
  const infos: Record<string, unknown>[] = [];
  const log: Logger = {
    json,
    info: (_e, f) => void infos.push(f ?? {}),
    warn: () => undefined,
    error: () => undefined,
    debug: () => undefined,
    status: (l) => void lines.push(l),
    endStatus: () => undefined,
  };
  return { log, lines, infos };
}

const listing: CheckProgress = {
  phase: 'listing',
  dirsListed: 120,
  files: 4000,
  unlisted: 0,
  inventoryFiles: 5000,
  elapsedMs: 2000,
  inFlight: { level: 96, peak: 128, cap: 512, adaptive: true, backoffs: 1, pushbacks: 3 },
};

describe('progress line (issue 13: the in-flight level)', () => {
  it('shows listings in flight, their peak and the cap on a terminal', () => {
    const r = recorder(false);
    progressReporter(r.log, 'T2_X')(listing);
    assert.match(r.lines[0], /in flight 96 \(peak 128, cap 512\)/);
  });

  it('carries them in the JSON progress line', () => {
    const r = recorder(true);
    progressReporter(r.log, 'T2_X', 0)(listing);
    assert.deepEqual([r.infos[0].inFlight, r.infos[0].inFlightPeak, r.infos[0].inFlightCap], [96, 128, 512]);
  });

  it('says nothing of them before the listing starts', () => {
    const r = recorder(false);
    progressReporter(r.log, 'T2_X')({ ...listing, phase: 'inventory-before', inFlight: undefined });
    assert.doesNotMatch(r.lines[0], /in flight/);
  });
});
