import { copyFileSync, mkdirSync, renameSync } from 'node:fs';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.ts';
import { DcError, errorMessage } from '../core/errors.ts';
import { escapeName } from '../core/escape.ts';
import type { ActionSink } from '../actions/actions-types.ts';
import { collectConfirmed } from '../actions/actions-confirm.ts';
import type { GateHit } from '../check/gates.ts';
import type { Lister } from '../listers/lister.ts';
import { actOnUnmerged } from './unmerged-act.ts';
import { ProtectedDbWriter } from './unmerged-protected-db.ts';
import { fetchProtectedList } from './unmerged-protected-list.ts';
import { ProtectedLfns } from './unmerged-rules.ts';
import { scanUnmerged } from './unmerged-scan.ts';
import { unmergedSettings } from './unmerged-settings.ts';
import { emptyUnmergedReport, type UnmergedContext, type UnmergedHold, type UnmergedReport } from './unmerged-types.ts';

export interface UnmergedPhaseOptions extends UnmergedContext {
  lister: Lister;
  /** --more-logs: also the AdditionalLogDeletions directories. */
  moreLogs?: boolean;
  /** The operational gates holding this run (dry mode, --dry-run, site not ready). */
  held: readonly GateHit[];
  retryDelayMs?: number;
  sinks?: ActionSink[];
}

/** File names of the phase's outputs besides the deletion list (named by ListDeletable.DELETION_FILE). */
export function unmergedOutputNames(site: string) {
  return { dirs: `${site}_unmerged_dirs.txt`, protectedLfns: `${site}_protected_lfns.txt`, protectedDb: `${site}_protected.db` };
}

const listText = (names: readonly string[]) => (names.length ? names.map(escapeName).join('\n') + '\n' : '');

/**
 * The unmerged cleaning of one site (issue 15, part 1), as its own phase of a run: the protected
 * list (refused when unreachable, empty or shrunk by more than MaxProtectedShrink), the listing of
 * the area, the deletion list, SITE_protected.db, then the gates and the sinks. Never throws for
 * the storage or the protected list: the report says what happened and why nothing more was done.
 */
export async function runUnmergedPhase(o: UnmergedPhaseOptions): Promise<UnmergedReport> {
  const { site } = o;
  const settings = unmergedSettings(site, { moreLogs: o.moreLogs });
  const report = emptyUnmergedReport(settings.area.lfn, settings.area.storage, settings.whichList, o.moreLogs === true);
  const names = unmergedOutputNames(site.name);
  const written: string[] = [];
  const write = (name: string, text: string) => {
    const p = join(site.VarLocation, name);
    writeFileAtomic(p, text);
    written.push(p);
    report.files[name === settings.deletionFile ? 'deletionList' : Object.entries(names).find(([, n]) => n === name)![0]] = name;
  };
  try {
    const protectedLfns = await acceptProtectedList(o, report);
    if (!protectedLfns) {
      // No stale list may pass for this run's: the deletion list is written, empty.
      write(settings.deletionFile, '');
      o.log('unmerged-refused', { site: site.name, runId: o.runId, reason: report.refused });
      return report;
    }
    write(names.protectedLfns, listText(protectedLfns.collect()));
    const db = new ProtectedDbWriter(join(site.VarLocation, names.protectedDb));
    let scan;
    try {
      scan = await scanUnmerged({
        lister: o.lister,
        settings,
        rules: { protectedLfns, avoid: settings.avoid, logDirs: settings.logDirs.map((d) => d.lfn), cut: o.now - settings.minAgeSeconds, logCut: o.now - settings.logsAgeSeconds },
        ignoreDirectories: site.IgnoreDirectories,
        concurrency: site.NumThreads,
        retries: site.Retries,
        timeoutMs: site.Timeout * 1000,
        retryDelayMs: o.retryDelayMs,
        signal: o.signal,
        onKept: (dir, name) => db.add(dir, name),
      });
      db.commit(o.now);
      written.push(db.path);
      report.files.protectedDb = names.protectedDb;
    } catch (err) {
      db.abort();
      throw err;
    }
    o.log('unmerged-listed', { site: site.name, runId: o.runId, files: scan.listed.files, deletable: scan.files.length, directories: scan.dirs.length, unlisted: scan.unlisted.length });
    const logFiles = scan.files.filter((f) => f.log);
    report.listed = scan.listed;
    report.unlisted = { count: scan.unlisted.length, dirs: scan.unlisted.slice(0, 200) };
    report.ignoredDirectories = scan.ignored;
    report.kept = { protected: scan.kept.protected, avoided: scan.kept.avoided, young: scan.kept.young, youngLogs: scan.kept['young-log'], notListed: scan.kept.notListed };
    report.deletable = {
      files: scan.files.length,
      bytes: scan.files.reduce((a, f) => a + f.size, 0),
      logs: logFiles.length,
      logArchives: logFiles.filter((f) => f.lfn.endsWith('.tar.gz')).length,
      directories: scan.dirs.length,
      listEntries: scan.listEntries.length,
    };
    write(settings.deletionFile, listText(scan.listEntries));
    write(names.dirs, listText(scan.dirs));
    if (scan.unlisted.some((u) => u.lfn === settings.area.lfn)) report.notes.push(`the unmerged area ${settings.area.lfn} could not be listed (${scan.unlisted.find((u) => u.lfn === settings.area.lfn)!.code})`);
    if (scan.unlisted.length) report.notes.push(`${scan.unlisted.length} directories could not be listed: nothing above them is removed`);

    // Confirmation as for orphans: seen by OrphanConfirmations consecutive runs, over OrphanConfirmDays.
    // Consecutive among the runs that clean the unmerged area: a plain check in between breaks no chain.
    const previous = (await o.store.findings.lastRun(site.name, 'unmerged')) ?? -1;
    await o.store.findings.record(site.name, o.runId, 'unmerged', [...scan.files.map((f) => ({ name: f.lfn, size: f.size })), ...scan.dirs], new Date(o.now * 1000).toISOString(), previous);
    const confirmed = new Set((await collectConfirmed(o.store, site.name, o.runId, 'unmerged', { runs: site.OrphanConfirmations, days: site.OrphanConfirmDays, now: o.now })).map((c) => c.lfn));
    const files = scan.files.filter((f) => confirmed.has(f.lfn));
    const dirs = scan.dirs.filter((d) => confirmed.has(d));
    report.confirmed = { files: files.length, directories: dirs.length };
    o.log('unmerged-confirmed', { site: site.name, runId: o.runId, files: files.length, directories: dirs.length });

    const held: UnmergedHold[] = [...o.held];
    const total = scan.files.length + scan.dirs.length;
    if (site.MaxUnmergedDeletions !== null && total > site.MaxUnmergedDeletions) held.push({ gate: 'MaxUnmergedDeletions', reason: `${total} unmerged deletions > MaxUnmergedDeletions ${site.MaxUnmergedDeletions}` });
    if (scan.listed.files > 0 && scan.files.length / scan.listed.files > site.MaxUnmergedFraction) {
      held.push({ gate: 'MaxUnmergedFraction', reason: `${scan.files.length} of ${scan.listed.files} unmerged files (${(scan.files.length / scan.listed.files).toFixed(4)}) > MaxUnmergedFraction ${site.MaxUnmergedFraction}` });
    }
    report.gates = { act: held.length === 0, held };
    if (!report.gates.act) {
      report.notes.push('no unmerged deletion: ' + held.map((h) => h.gate).join(', '));
      return report;
    }
    const waiting = total - files.length - dirs.length;
    if (waiting > 0) report.notes.push(`${waiting} unmerged deletions wait for confirmation (OrphanConfirmations ${site.OrphanConfirmations}, OrphanConfirmDays ${site.OrphanConfirmDays})`);
    if (files.length + dirs.length === 0) return report;
    const acted = await actOnUnmerged({ config: o.config, site, store: o.store, runId: o.runId, now: o.now, signal: o.signal, log: o.log, settings, files: files.map((f) => f.lfn), dirs, sinks: o.sinks });
    if (acted.sinks.length === 0) report.notes.push('confirmed unmerged deletions but no registry or storage sink in Actions');
    countDone(report, acted.records, files);
    return report;
  } finally {
    publish(written, site.WebDir, site.VarLocation);
  }
}

/**
 * The protected list for this run, or undefined with `report.refused` saying why: it could not be
 * fetched, it is empty, or it shrank by more than MaxProtectedShrink since the last one accepted.
 * An accepted list becomes the reference of the next run's shrink check.
 */
async function acceptProtectedList(o: UnmergedPhaseOptions, report: UnmergedReport): Promise<ProtectedLfns | undefined> {
  const { site } = o;
  let fetched;
  try {
    fetched = await fetchProtectedList(site, o.config.env, o.signal);
  } catch (err) {
    if (err instanceof DcError && err.code === 'ABORTED') throw err;
    report.refused = `the protected list could not be read: ${errorMessage(err)}`;
    return undefined;
  }
  const lfns = new ProtectedLfns(fetched.lfns);
  const previous = await o.store.protectedLists.get(site.name);
  report.protectedList = { source: fetched.source, count: lfns.size, ...(previous ? { previousCount: previous.count } : {}) };
  if (lfns.size === 0) {
    report.refused = `the protected list ${fetched.source} is empty`;
    return undefined;
  }
  if (previous && previous.count > 0 && (previous.count - lfns.size) / previous.count > site.MaxProtectedShrink) {
    const pct = ((100 * (previous.count - lfns.size)) / previous.count).toFixed(1);
    report.refused = `the protected list ${fetched.source} shrank from ${previous.count} to ${lfns.size} entries (${pct} % > MaxProtectedShrink ${site.MaxProtectedShrink}) since run ${previous.runId}`;
    return undefined;
  }
  await o.store.protectedLists.set({ site: site.name, count: lfns.size, runId: o.runId, fetchedAt: new Date(o.now * 1000).toISOString(), source: fetched.source });
  return lfns;
}

function countDone(report: UnmergedReport, records: readonly { kind: string; target: string; outcome: string }[], files: readonly { lfn: string; size: number; log: boolean }[]): void {
  const byLfn = new Map(files.map((f) => [f.lfn, f]));
  // A target counts once, as done when some sink did it and none failed.
  const verdict = new Map<string, { kind: string; outcome: string }>();
  for (const r of records) {
    const cur = verdict.get(r.target);
    if (!cur || cur.outcome === 'ok' || cur.outcome === 'gone') verdict.set(r.target, { kind: r.kind, outcome: r.outcome });
  }
  for (const [target, v] of verdict) {
    if (v.outcome === 'failed') report.deleted.failed++;
    else if (v.outcome === 'refused') report.deleted.refused++;
    else if (v.outcome === 'skipped') report.deleted.skipped++;
    else if (v.outcome === 'ok') {
      if (v.kind === 'rmdir') report.deleted.directories++;
      else {
        const f = byLfn.get(target);
        report.deleted.files++;
        report.deleted.bytes += f?.size ?? 0;
        if (f?.log && target.endsWith('.tar.gz')) report.deleted.logArchives++;
      }
    }
  }
  report.cleaned = report.deleted.files;
}

function publish(files: readonly string[], webDir: string, workDir: string): void {
  if (!webDir || webDir === workDir || files.length === 0) return;
  mkdirSync(webDir, { recursive: true });
  for (const f of files) {
    const target = join(webDir, basename(f));
    const tmp = `${target}.tmp-${process.pid}`;
    copyFileSync(f, tmp);
    renameSync(tmp, target);
  }
}
