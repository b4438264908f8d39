import type { UnmergedReport } from '../unmerged/unmerged-types.ts';

/** The unmerged phase's lines of the printed summary (issue 15): what was listed, kept, deleted, and why not more. */
export function unmergedLines(u: UnmergedReport | undefined): string[] {
  if (!u) return [];
  const lines = [`Unmerged area ${u.area} (listed at ${u.storagePath}, ${u.whichList}${u.moreLogs ? ', with --more-logs' : ''}):`];
  if (u.refused) return [...lines, `  nothing cleaned: ${u.refused}`];
  const k = u.kept;
  const d = u.deletable;
  lines.push(
    `  protected   ${u.protectedList.count} LFNs from ${u.protectedList.source ?? '?'}${u.protectedList.previousCount !== undefined ? ` (${u.protectedList.previousCount} last time)` : ''}`,
    `  listed      ${u.listed.files} files, ${u.listed.directories} directories; ${u.unlisted.count} unlisted, ${u.ignoredDirectories} ignored (IgnoreDirectories)`,
    `  kept        ${k.protected} protected, ${k.young} younger than MIN_AGE, ${k.avoided} in DIRS_TO_AVOID, ${k.youngLogs} young logs${k.notListed ? `, ${k.notListed} outside whole directories` : ''}`,
    `  deletable   ${d.files} files (${d.logs} logs, ${d.logArchives} .tar.gz archives), ${d.directories} directories; ${u.confirmed.files + u.confirmed.directories} confirmed`,
    `  deleted     ${u.deleted.files} files (${u.deleted.logArchives} log archives), ${u.deleted.directories} directories${u.deleted.failed + u.deleted.refused + u.deleted.skipped ? `; ${u.deleted.failed} failed, ${u.deleted.refused} refused, ${u.deleted.skipped} skipped` : ''}`,
  );
  for (const h of u.gates.held) lines.push(`  held        ${h.gate}: ${h.reason}`);
  for (const n of u.notes) lines.push(`  note        ${n}`);
  return lines;
}
