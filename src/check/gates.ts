import type { SiteConfig } from '../config/config-loader.ts';
import type { CheckSummary } from './check-types.ts';

export type SiteStatus = 'ready' | 'halt' | 'disable';
export type SiteMode = 'act' | 'dry';

export type GateName =
  | 'MaxMissing'
  | 'MaxMissingFraction'
  | 'MaxOrphan'
  | 'MaxOrphanFraction'
  | 'MaxUnlistedFraction'
  | 'ZeroFilesListed'
  | 'DryMode'
  | 'SiteNotReady';

export interface GateHit {
  gate: GateName;
  reason: string;
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
export function evaluateGates(s: CheckSummary, site: SiteConfig, state: { status: SiteStatus; mode: SiteMode }): GateDecision {
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
  if (state.mode === 'dry') held.push({ gate: 'DryMode', reason: 'the site is in dry mode' });
  if (state.status !== 'ready') held.push({ gate: 'SiteNotReady', reason: `the site is ${state.status === 'halt' ? 'halted' : 'disabled'}` });
  return { act: held.length === 0, held };
}
