import type { SiteConfig } from '../config/config-loader.ts';
import type { CheckSummary } from './check-types.ts';
import type { SiteMode, SiteStatus } from '../core/site-state.ts';

export type GateName =
  | 'MaxMissing'
  | 'MaxMissingFraction'
  | 'MaxOrphan'
  | 'MaxOrphanFraction'
  | 'MaxUnlistedFraction'
  | 'ZeroFilesListed'
  | 'MaxInventoryShrink'
  | 'MaxListingShrink'
  | 'DryMode'
  | 'SiteNotReady';

export interface GateHit {
  gate: GateName;
  reason: string;
}

/** Gates about the site's state rather than its data: a run held only by these still sets the size baseline. */
export const OPERATIONAL_GATES: ReadonlySet<GateName> = new Set(['DryMode', 'SiteNotReady']);
/** Gates that compare the run with the site's baseline: sightings in a run they hold are not confirmations. */
export const SHRINK_GATES: ReadonlySet<GateName> = new Set(['MaxInventoryShrink', 'MaxListingShrink']);

/** What the site looked like when its data gates were last all open (src/store/site-baselines.ts). */
export interface SizeBaseline {
  settled: number;
  listed: number;
  runId: number;
  setBy: string;
}

export interface GateDecision {
  /** True when actions may run for this result. */
  act: boolean;
  held: GateHit[];
}

/**
 * SEMANTICS.md "Acting on results": every reason not to act on a run. The lists are written
 * either way; this only decides whether sinks may touch anything. Size mismatches count as
 * both missing and orphan here, as in the seed.
 */
export function evaluateGates(
  s: CheckSummary,
  site: SiteConfig,
  state: { status: SiteStatus; mode: SiteMode },
  baseline?: SizeBaseline,
): GateDecision {
  const held: GateHit[] = [];
  const missing = s.missing.count + s.sizeMismatch.count;
  const orphan = s.orphan.count + s.sizeMismatch.count;
  const settled = s.inventory.settled;
  if (missing > site.MaxMissing) held.push({ gate: 'MaxMissing', reason: `${missing} missing > MaxMissing ${site.MaxMissing}` });
  if (settled > 0 && missing / settled > site.MaxMissingFraction) {
    held.push({ gate: 'MaxMissingFraction', reason: `missing/settled ${(missing / settled).toFixed(4)} > MaxMissingFraction ${site.MaxMissingFraction}` });
  }
  if (orphan > site.MaxOrphan) held.push({ gate: 'MaxOrphan', reason: `${orphan} orphan > MaxOrphan ${site.MaxOrphan}` });
  if (s.listing.files > 0 && orphan / s.listing.files > site.MaxOrphanFraction) {
    held.push({ gate: 'MaxOrphanFraction', reason: `orphan/listed ${(orphan / s.listing.files).toFixed(4)} > MaxOrphanFraction ${site.MaxOrphanFraction}` });
  }
  if (settled > 0 && s.unlisted.settledFilesBelow / settled > site.MaxUnlistedFraction) {
    held.push({
      gate: 'MaxUnlistedFraction',
      reason: `${s.unlisted.settledFilesBelow} of ${settled} settled files lie under unlisted directories (> ${site.MaxUnlistedFraction})`,
    });
  }
  if (s.listing.files === 0 && settled > 0) held.push({ gate: 'ZeroFilesListed', reason: `the listing found no file while the inventory expects ${settled}` });
  held.push(...shrinkGates(s, site, baseline));
  if (state.mode === 'dry') held.push({ gate: 'DryMode', reason: 'the site is in dry mode' });
  if (state.status !== 'ready') held.push({ gate: 'SiteNotReady', reason: `the site is ${state.status === 'halt' ? 'halted' : 'disabled'}` });
  return { act: held.length === 0, held };
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const since = (b: SizeBaseline) => (b.setBy === 'run' ? `run ${b.runId}, the last with every data gate open` : `the size accepted by ${b.setBy} (run ${b.runId})`);

/**
 * A wiped dump, a SQL inventory pointed at the wrong database, a lost mount: the settled inventory
 * or the listing shrank against the baseline, or the inventory is empty while the storage holds files.
 */
function shrinkGates(s: CheckSummary, site: SiteConfig, b: SizeBaseline | undefined): GateHit[] {
  const held: GateHit[] = [];
  const settled = s.inventory.settled;
  if (settled === 0 && s.listing.files > 0) {
    held.push({ gate: 'MaxInventoryShrink', reason: `the settled inventory is empty while the listing holds ${s.listing.files} files` });
  } else if (b && b.settled > 0 && (b.settled - settled) / b.settled > site.MaxInventoryShrink) {
    held.push({
      gate: 'MaxInventoryShrink',
      reason: `settled inventory shrank from ${b.settled} to ${settled} files (${pct((b.settled - settled) / b.settled)} > MaxInventoryShrink ${site.MaxInventoryShrink}) since ${since(b)}; if the new size is right: set-status ${s.site} accept`,
    });
  }
  if (b && b.listed > 0 && (b.listed - s.listing.files) / b.listed > site.MaxListingShrink) {
    held.push({
      gate: 'MaxListingShrink',
      reason: `listing shrank from ${b.listed} to ${s.listing.files} files (${pct((b.listed - s.listing.files) / b.listed)} > MaxListingShrink ${site.MaxListingShrink}) since ${since(b)}; if the new size is right: set-status ${s.site} accept`,
    });
  }
  return held;
}
