import type { RunSummaryFile } from '../check/check-outputs.ts';

function bytes(n: number): string {
  const u = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  while (n >= 1000 && i < u.length - 1) {
    n /= 1000;
    i++;
  }
  return `${n.toFixed(i ? 1 : 0)} ${u[i]}`;
}

function shortName(s: string): string {
  return s.length > 100 ? `${s.slice(0, 60)}…${s.slice(-30)} (${s.length} chars)` : s;
}

/** Files kept off the lists, by reason: every one is counted on the terminal, zeros included. */
function heldBackLines(s: RunSummaryFile): string[] {
  const k = s.skipped;
  const row = (label: string, n: number, note = '') => `    ${label.padEnd(30)} ${n}${note}`;
  return [
    `  held back   ${Object.values(k).reduce((a: number, b) => a + (b ?? 0), 0)} files kept off the lists:`,
    row('new (younger than IgnoreAge)', k.newFiles),
    row('ignored (IgnoreDirectories)', k.ignoredOrphans),
    row('protected dataset', k.protectedOrphans, s.cmsDatasets ? '' : ' (CmsDatasets off: no dataset protection)'),
    row('queued deletion', k.queuedDeletion),
    row('changed during the run', k.leftInventoryDuringRun + k.joinedInventoryDuringRun, ` (${k.leftInventoryDuringRun} left or changed in the inventory, ${k.joinedInventoryDuringRun} joined it)`),
    row('outside listed tops', k.outsideListedTops),
    row('listed below unlisted dirs', k.listedBelowUnlisted ?? 0),
  ];
}

/** The human summary printed at the end of a check. */
export function summaryText(s: RunSummaryFile, files: Record<string, string>): string {
  const lines = [
    `Site ${s.site} (${s.url}) — run ${s.runId ?? '?'} in ${s.timings.total.toFixed(1)} s`,
    `  listed      ${s.listing.files} files, ${bytes(s.listing.bytes)}, ${s.listing.directories} directories (${s.listing.newFiles} new)`,
    `  inventory   ${s.inventory.files} files (${s.inventory.settled} settled, ${s.inventory.inFlux} in flux)`,
    `  missing     ${s.missing.count} (${bytes(s.missing.bytes)})`,
    `  orphan      ${s.orphan.count} (${bytes(s.orphan.bytes)})`,
    `  size diff   ${s.sizeMismatch.count}`,
    `  empty dirs  ${s.emptyDirectoriesKnown ? s.empty : 'not applicable (this storage has no empty directories)'}`,
    ...heldBackLines(s),
    `  unlisted    ${s.unlisted.count} directories (${s.unlisted.settledFilesBelow} settled files below them not judged)`,
  ];
  for (const u of s.unlisted.dirs.slice(0, 10)) lines.push(`    ${shortName(u.lfn)}: ${u.code} ${shortName(u.message)}`);
  lines.push(`  actions     ${s.gates.act ? 'allowed' : 'held: ' + s.gates.held.map((g) => g.reason).join('; ')}`);
  lines.push('Lists:');
  for (const [k, v] of Object.entries(files)) lines.push(`  ${k.padEnd(16)} ${v}`);
  return lines.join('\n') + '\n';
}
