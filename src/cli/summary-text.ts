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
    `  unlisted    ${s.unlisted.count} directories (${s.unlisted.settledFilesBelow} settled files below them not judged)`,
  ];
  for (const u of s.unlisted.dirs.slice(0, 10)) lines.push(`    ${shortName(u.lfn)}: ${u.code} ${shortName(u.message)}`);
  if (s.skipped?.undecodableNames) lines.push(`  undecodable names ${s.skipped.undecodableNames} (bytes lost before they reached the tool, or not UTF-8 where the protocol needs it: not judged)`);
  lines.push(`  actions     ${s.gates.act ? 'allowed' : 'held: ' + s.gates.held.map((g) => g.reason).join('; ')}`);
  lines.push('Lists:');
  for (const [k, v] of Object.entries(files)) lines.push(`  ${k.padEnd(16)} ${v}`);
  return lines.join('\n') + '\n';
}
