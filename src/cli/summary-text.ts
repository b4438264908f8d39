import type { ActionCounts, ActionsReport, AwaitingCount, HeldCount } from '../actions/actions-types.ts';
import type { RunSummaryFile } from '../check/check-outputs.ts';
import type { PaceReport } from '../core/listing-pace.ts';
import type { UnmergedReport } from '../unmerged/unmerged-types.ts';
import { unmergedLines } from './summary-unmerged.ts';
import { resumeText } from '../check/check-checkpoint.ts';

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
    row('undecodable names', k.undecodableNames ?? 0, k.undecodableNames ? ' (bytes lost before they reached the tool, or not UTF-8 where the protocol needs it: not judged)' : ''),
  ];
}

/** The in-flight level the listing reached (summaries of older versions have none). */
function inFlightLines(p: PaceReport | undefined): string[] {
  if (!p) return [];
  const how = p.adaptive ? `peak ${p.peak} of cap ${p.cap}, ${p.level} at the end, ${p.backoffs} back-offs (${p.pushbacks} push-backs)` : `fixed at ${p.cap}`;
  return [`  in flight   ${how}`];
}

/** The human summary printed at the end of a check. */
export function summaryText(s: RunSummaryFile<ActionsReport> & { unmerged?: UnmergedReport; unmergedOnly?: boolean }, files: Record<string, string>): string {
  if (s.unmergedOnly) {
    const only = [`Site ${s.site} (${s.url}) — run ${s.runId ?? '?'} in ${s.timings.total.toFixed(1)} s, unmerged cleaning only (--no-inventory)`, ...unmergedLines(s.unmerged), 'Lists:'];
    for (const [k, v] of Object.entries(files)) only.push(`  ${k.padEnd(16)} ${v}`);
    return only.join('\n') + '\n';
  }
  const lines = [
    `Site ${s.site} (${s.url}) — run ${s.runId ?? '?'} in ${s.timings.total.toFixed(1)} s`,
    `  listed      ${s.listing.files} files, ${bytes(s.listing.bytes)}, ${s.listing.directories} directories (${s.listing.newFiles} new)`,
    ...(s.listedFrom ? [`  read from   ${s.listedFrom}`] : []),
    ...inFlightLines(s.listing.inFlight),
    ...[resumeText(s.resume)].filter((t) => t !== undefined).map((t) => `  listing     ${t}`),
    `  inventory   ${s.inventory.files} files (${s.inventory.settled} settled, ${s.inventory.inFlux} in flux)`,
    `  missing     ${s.missing.count} (${bytes(s.missing.bytes)})`,
    `  orphan      ${s.orphan.count} (${bytes(s.orphan.bytes)})`,
    `  size diff   ${s.sizeMismatch.count}`,
    `  empty dirs  ${s.emptyDirectoriesKnown ? s.empty : 'not applicable (this storage has no empty directories)'}`,
    ...heldBackLines(s),
    `  unlisted    ${s.unlisted.count} directories (${s.unlisted.settledFilesBelow} settled files below them not judged)`,
  ];
  for (const u of s.unlisted.dirs.slice(0, 10)) lines.push(`    ${shortName(u.lfn)}: ${u.code} ${shortName(u.message)}`);
  lines.push('Lists:');
  for (const [k, v] of Object.entries(files)) lines.push(`  ${k.padEnd(16)} ${v}`);
  lines.push(...actionsBlock(s));
  lines.push(...unmergedLines(s.unmerged));
  return lines.join('\n') + '\n';
}

const KIND_WORDS: Record<HeldCount['kind'], [string, string]> = {
  transfer: ['missing file to copy back', 'missing files to copy back'],
  delete: ['orphan to delete', 'orphans to delete'],
  rmdir: ['empty directory to remove', 'empty directories to remove'],
};
const CATEGORY_WORDS: Record<AwaitingCount['category'], [string, string]> = {
  missing: ['missing file', 'missing files'],
  orphan: ['orphan', 'orphans'],
  empty: ['empty directory', 'empty directories'],
};
const plural = (n: number, w: [string, string]) => `${n} ${n === 1 ? w[0] : w[1]}`;
const countsText = (c: ActionCounts) => `${c.transfers} to copy back, ${c.deletions} to delete, ${c.rmdirs} directories to remove`;

/**
 * The last block of the summary: what each sink did, what was confirmed but held and why, and what
 * still waits for confirmation — so an operator never has to open the JSON to learn why nothing
 * happened. Built from the summary's `actions` report only.
 */
export function actionsBlock(s: RunSummaryFile<ActionsReport>): string[] {
  const a = s.actions;
  const out = [`Actions (${a.sinks.length ? `sinks: ${a.sinks.join(', ')}` : 'no sink configured: Actions is empty'}):`];
  if (!a.allowed) out.push(`  gates       held, nothing acted on: ${s.gates.held.map((g) => `${g.gate} (${g.reason})`).join('; ')}`);
  const confirmed = a.confirmed.transfers + a.confirmed.deletions + a.confirmed.rmdirs;
  const handed = a.allowed && a.sinks.length ? `; handed to sinks: ${countsText(a.planned)}` : '';
  out.push(`  confirmed   ${confirmed ? countsText(a.confirmed) + handed : 'nothing confirmed in this run'}`);
  for (const d of a.done) {
    const size = d.bytes !== undefined ? ` (${bytes(d.bytes)})` : '';
    const why = d.details?.length ? `: ${d.details.join('; ')}` : '';
    out.push(`  ${d.sink.padEnd(11)} ${d.kind} ${d.outcome} ${d.count}${size}${why}`);
  }
  for (const h of a.held) out.push(`  held        ${plural(h.count, KIND_WORDS[h.kind])}: ${h.detail}`);
  for (const w of a.awaiting) {
    const wait = w.days !== undefined ? `seen in ${w.seen} runs, waiting for OrphanConfirmDays ${w.days}` : `seen ${w.seen} of ${w.needed} runs`;
    out.push(`  awaiting    ${plural(w.count, CATEGORY_WORDS[w.category])} awaiting confirmation: ${wait}`);
  }
  const earlier = Object.entries(a.actedEarlier).filter(([, n]) => n > 0);
  if (earlier.length) out.push(`  earlier     acted on by an earlier run, not repeated: ${earlier.map(([c, n]) => plural(n, CATEGORY_WORDS[c as AwaitingCount['category']])).join(', ')}`);
  const anything = a.done.length + a.held.length + a.awaiting.length + earlier.length > 0;
  if (!anything) out.push('  nothing to act on: no missing file, orphan or empty directory in this run');
  return out;
}
