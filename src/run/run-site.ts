import { freemem } from 'node:os';
import { join } from 'node:path';
import type { Config, SiteConfig } from '../config/config-loader.ts';
import { backendSite, siteConfig } from '../config/config-loader.ts';
import { redactUrl } from '../core/redact-url.ts';
import { DcError, errorMessage } from '../core/errors.ts';
import { failpoint } from '../core/failpoint.ts';
import { actOnRun, notActedReport } from '../actions/actions-run.ts';
import type { ActionsReport } from '../actions/actions-types.ts';
import { collectBlockGroups } from '../actions/missing-groups.ts';
import { writeOutputs, type ActionOutputs, type RunSummaryFile } from '../check/check-outputs.ts';
import type { CheckProgress } from '../check/check-types.ts';
import { evaluateGates, OPERATIONAL_GATES, SHRINK_GATES, type GateDecision } from '../check/gates.ts';
import { checkSite, type CheckResult } from '../check/site-check.ts';
import { checkpointDir, removeCheckpoint, type CheckpointSettings } from '../check/check-checkpoint.ts';
import { openInventory } from '../inventory/open-inventory.ts';
import type { Inventory } from '../inventory/inventory.ts';
import { createLister } from '../listers/registry.ts';
import { resolveSiteDoor } from '../listers/xrootd/xrootd-site-door.ts';
import type { Lister } from '../listers/lister.ts';
import type { HistoryStore } from '../store/history-store.ts';
import type { RunStatus } from '../store/site-runs.ts';
import { SiteLease, type LeaseOptions } from '../store/site-lease.ts';
import { RunLog } from './run-log.ts';
import { sendOutcomeNotice } from './run-notice.ts';
import { startRunRecord, type RunRecord } from './run-record.ts';
import { runUnmergedOnly, unmergedStep, unmergedWanted, type RunSummaryWithUnmerged } from './run-unmerged.ts';

export interface RunOptions {
  /** Write lists and history but never act, whatever the site's mode. */
  dryRun?: boolean;
  signal?: AbortSignal;
  /** The check's progress; `site` names the site, which runNextSite's caller learns only here. */
  onProgress?: (p: CheckProgress, site: string) => void;
  /** Seconds between heartbeats and halt checks (15 in production). */
  heartbeatSeconds?: number;
  /** Override "now" (epoch seconds), for tests. */
  now?: number;
  retryDelayMs?: number;
  /**
   * Acts on the finished result, after this run's findings are recorded (so confirmation counts this
   * run) and before the outputs are written. Default: the site's action sinks (src/actions).
   */
  onResult?: (ctx: ResultContext) => Promise<ResultActions>;
  /**
   * Called with the run's outcome once it is recorded and before the site's lease is released, so
   * what the caller records of it (the daemon's turn) is written while no other process can start
   * the site. A failure here is logged, never changes the outcome.
   */
  onOutcome?: (outcome: RunOutcome) => Promise<void>;
  log?: (event: string, fields: Record<string, unknown>) => void;
  /**
   * Makes the run's lister once the run has its record and its door (default: the site's own,
   * src/listers/registry.ts). The fleet gives a sharded site a lister whose listing is done by
   * shard jobs (src/fleet/sharded-lister.ts); everything else about the run stays the same.
   */
  createLister?: (site: SiteConfig, run: { runId: number; signal: AbortSignal; log: Log }) => Promise<Lister>;
  /** Free memory as seen by the FreeMem check (default: the machine's), for tests. */
  freeMemoryBytes?: number;
  /** `--unmerged`: after the check, clean the unmerged area of a site in `Unmerged` (src/unmerged). */
  unmerged?: boolean;
  /** `--more-logs`: the unmerged phase also cleans the AdditionalLogDeletions directories. */
  moreLogs?: boolean;
  /** `--no-inventory`: the unmerged phase only, no inventory opened, nothing compared. */
  noInventory?: boolean;
  /**
   * Take up the listing checkpoint an earlier run of the site left (it died or was halted): true
   * (`check --resume`), 'daemon' (as the site's DaemonResume says), false/absent: start afresh.
   */
  resume?: boolean | 'daemon';
}

/** What the result hook did: the summary's `actions` block and the lists its sinks produced. */
export interface ResultActions {
  actions: ActionsReport;
  outputs?: ActionOutputs;
}

export interface ResultContext {
  config: Config;
  site: SiteConfig;
  result: CheckResult;
  gates: GateDecision;
  runId: number;
  store: HistoryStore;
  /** Run start, epoch seconds. */
  now: number;
  signal: AbortSignal;
  log: (event: string, fields: Record<string, unknown>) => void;
}

/** The default result hook: the site's sinks; their report is the summary's `actions` block. */
export async function defaultOnResult(ctx: ResultContext): Promise<ResultActions> {
  const r = await actOnRun({ config: ctx.config, site: ctx.site, store: ctx.store, runId: ctx.runId, gates: ctx.gates, now: ctx.now, signal: ctx.signal, log: ctx.log });
  return { actions: r.summary, outputs: { nosite: r.outputs.nosite, unrecoverable: r.outputs.unrecoverable } };
}

export interface RunOutcome {
  runId: number;
  status: RunStatus;
  summary?: RunSummaryWithUnmerged;
  files?: Record<string, string>;
  error?: DcError;
  /** Why a failed or halted run stopped, as recorded in the history. */
  reason?: string;
}

type Log = (event: string, fields: Record<string, unknown>) => void;

/**
 * One full run of the named site: lease, run record, check, gates, findings, actions, outputs,
 * history, release. Fails with STATE (recording nothing) when the machine has less memory free than
 * the site's FreeMem or another process holds the site. Halt/disable (from the store) and the
 * caller's signal stop it within one heartbeat, recorded as `halted`; any other failure is recorded
 * as `failed` with its message, and nothing is acted on.
 */
export async function runSite(config: Config, siteName: string, store: HistoryStore, opts: RunOptions = {}): Promise<RunOutcome> {
  const events = runEvents(opts.log);
  const site = prepareSite(config, siteName, opts);
  const lease = await SiteLease.acquire(store, site.name, leaseOptions(opts, events.log));
  return runLeased(config, site, store, lease, opts, events);
}

/**
 * The run of whichever site among `candidates` has its turn (SiteLease.pick: ready or halted, the
 * least recently run first, sites held by another process skipped), or undefined when none can run.
 * This is how `check` and a scheduler take their next site.
 */
export async function runNextSite(config: Config, candidates: readonly string[], store: HistoryStore, opts: RunOptions = {}): Promise<{ site: string; outcome: RunOutcome } | undefined> {
  const events = runEvents(opts.log);
  const lease = await SiteLease.pick(store, candidates, leaseOptions(opts, events.log));
  if (!lease) return undefined;
  let site: SiteConfig;
  try {
    site = prepareSite(config, lease.site, opts);
  } catch (err) {
    await lease.release();
    throw err;
  }
  return { site: lease.site, outcome: await runLeased(config, site, store, lease, opts, events) };
}

/** The run's events go to the caller's log and, once the run has its record, to the run's own log. */
function runEvents(outer: Log | undefined): { log: Log; attach(runLog: RunLog): void } {
  let runLog: RunLog | undefined;
  return {
    log: (event, fields) => {
      outer?.(event, fields);
      runLog?.write(event, fields);
    },
    attach: (l) => {
      runLog = l;
    },
  };
}

function leaseOptions(opts: RunOptions, log: Log): LeaseOptions {
  return { heartbeatSeconds: opts.heartbeatSeconds, log };
}

/** The site's settings, once the machine is known to suit them (nothing is recorded otherwise). */
function prepareSite(config: Config, siteName: string, opts: RunOptions): SiteConfig {
  const site = siteConfig(config, siteName);
  const freeGb = (opts.freeMemoryBytes ?? freemem()) / 1e9;
  if (site.FreeMem > 0 && freeGb < site.FreeMem) {
    throw new DcError('STATE', `site ${site.name}: ${freeGb.toFixed(1)} GB of memory free, FreeMem asks for ${site.FreeMem} GB before a check starts`);
  }
  if (opts.noInventory && !site.Unmerged.includes(site.name)) {
    throw new DcError('CONFIG', `--no-inventory runs only the unmerged cleaning, and site ${site.name} is not in Unmerged`);
  }
  return site;
}

/** The run of a site whose lease is held; the lease is released whatever happens. */
async function runLeased(config: Config, prepared: SiteConfig, store: HistoryStore, lease: SiteLease, opts: RunOptions, events: ReturnType<typeof runEvents>): Promise<RunOutcome> {
  const { log } = events;
  let site = prepared;
  const now = opts.now ?? Date.now() / 1000;
  let record: RunRecord;
  try {
    if (lease.resumedHalt) log('halt-cleared', { site: site.name, message: 'the site was halted; this run sets it ready' });
    record = await startRunRecord(store, site.name, now);
  } catch (err) {
    await lease.release();
    throw err;
  }
  const runId = record.runId;
  const runLog = new RunLog(site.VarLocation, site.name, runId);
  events.attach(runLog);
  lease.attach(runId, (p) => runLog.write('progress', { ...p }));
  // The lease stops the run for a halt or a lost lock, the caller for a signal: the first one says why.
  const signal = opts.signal ? AbortSignal.any([lease.signal, opts.signal]) : lease.signal;
  let inventory: Inventory | undefined;
  let lister: Lister | undefined;
  let result: CheckResult | undefined;
  let outcome: RunOutcome | undefined;
  try {
    // The door is settled once, so the lister and the storage deleter (ctx.site) use the same one.
    if (opts.noInventory) {
      site = await resolveSiteDoor(site, { signal, now, log, env: config.env });
      lister = await createLister(backendSite(site, config.env));
      log('unmerged-start', { site: site.name, runId, url: redactUrl(site.Url), lister: lister.kind });
      const only = await runUnmergedOnly({ config, site, store, runId, now, signal, log, lister, moreLogs: opts.moreLogs, held: [], retryDelayMs: opts.retryDelayMs, record, dryRun: opts.dryRun, url: redactUrl(site.Url) });
      return (outcome = { runId, status: 'cleaned', summary: only.summary, files: only.files });
    }
    inventory = await openInventory(config);
    site = await resolveSiteDoor(site, { signal, now, log, env: config.env });
    lister = opts.createLister ? await opts.createLister(site, { runId, signal, log }) : await createLister({ ...backendSite(site, config.env), signal });
    log('check-start', { site: site.name, runId, url: redactUrl(site.Url), lister: lister.kind, ...(lister.source ? { source: lister.source } : {}) });
    result = await checkSite({
      site,
      inventory,
      lister,
      now,
      workDir: join(site.VarLocation, 'work'),
      checkpoint: checkpointSettings(site, opts, runId, log),
      signal,
      retryDelayMs: opts.retryDelayMs,
      onProgress: (p) => {
        lease.progress(p);
        opts.onProgress?.(p, site.name);
      },
    });
    for (const u of result.summary.unlisted.dirs.slice(0, 200)) runLog.write('unlisted', { ...u });
    const unlistedTops = everyTopUnlisted(result);
    if (unlistedTops) return (outcome = await finishUnlisted(record, site, result, unlistedTops, log));
    const gates = await judge(record, site, result, opts.dryRun, runLog);
    // From here on the check is complete: a stop request only cuts the actions short (each one
    // not taken is recorded as skipped) and the run is still recorded as done with its findings.
    const hook = opts.onResult ?? defaultOnResult;
    const acted = await hook({ config, site, result, gates, runId, store, now, signal, log });
    const blockGroups = await collectBlockGroups(config, site.name, result.missingDatasets).catch((err) => {
      log('missing-groups-failed', { site: site.name, error: errorMessage(err) });
      return new Map<string, string>();
    });
    const unmerged = unmergedWanted(site, opts.unmerged, log)
      ? await unmergedStep({ config, site, store, runId, now, signal, log, lister: lister.direct ?? lister, moreLogs: opts.moreLogs, held: gates.held.filter((g) => OPERATIONAL_GATES.has(g.gate)), retryDelayMs: opts.retryDelayMs })
      : undefined;
    const summary: RunSummaryWithUnmerged = { ...result.summary, url: redactUrl(result.summary.url), ...(lister.source ? { listedFrom: lister.source } : {}), runId, gates, actions: acted.actions, files: {}, ...(unmerged ? { unmerged } : {}) };
    const files = await writeOutputs(result, summary, { workDir: site.VarLocation, webDir: site.WebDir, rootPath: site.RootPath }, { ...acted.outputs, blockGroups });
    if (unmerged) for (const [k, v] of Object.entries(unmerged.files)) files[`unmerged.${k}`] = join(site.VarLocation, v);
    const cleanedSomething = (unmerged?.deleted.files ?? 0) + (unmerged?.deleted.directories ?? 0) > 0;
    failpoint('recording');
    await record.finish('done', { summary, gatesHeld: gates.held.map((g) => g.gate), acted: (gates.act && acted.actions.done.length > 0) || cleanedSomething });
    removeCheckpoint(checkpointSettings(site, opts, runId).dir, log);
    log('check-done', { site: site.name, runId, missing: summary.missing.count, orphan: summary.orphan.count, unlisted: summary.unlisted.count, seconds: summary.timings.total });
    return (outcome = { runId, status: 'done', summary, files });
  } catch (err) {
    const e = err instanceof DcError ? err : new DcError('INTERNAL', errorMessage(err), { cause: err });
    const stop = e.code === 'ABORTED' ? stopCause(signal, lease) : undefined;
    const status: RunStatus = stop === 'halt' || stop === 'signal' ? 'halted' : 'failed';
    const why = stop === 'halt' ? 'site halted or disabled during the run' : stop === 'signal' ? 'stopped by signal' : stop === 'lost' ? 'the site\'s lock was taken over by another process during the run' : e.message;
    await record.finish(status, { error: why });
    // A halted listing is taken up by the next run that resumes; a lost site's checkpoint is the new holder's.
    if (status === 'failed' && stop !== 'lost') removeCheckpoint(checkpointSettings(site, opts, runId).dir, log);
    log(status === 'halted' ? 'check-halted' : 'check-failed', { site: site.name, runId, error: why });
    return (outcome = { runId, status, error: e, reason: why });
  } finally {
    result?.dispose();
    await lister?.close().catch(() => undefined);
    await inventory?.close().catch(() => undefined);
    if (outcome && opts.onOutcome) {
      await opts.onOutcome(outcome).catch((err) => log('outcome-hook-failed', { site: site.name, runId, error: errorMessage(err) }));
    }
    await lease.release();
    // After the release: a slow or unreachable receiver never holds the site.
    if (outcome) await sendOutcomeNotice(site, outcome, { log, signal: opts.signal });
  }
}

/** How the run checkpoints its listing and whether it takes up the site's last checkpoint. */
function checkpointSettings(site: SiteConfig, opts: RunOptions, runId: number, log?: Log): CheckpointSettings {
  const daemon = opts.resume === 'daemon';
  // A listing split across the fleet's workers is not resumed: its parts live with the shards' jobs.
  const sharded = site.Shards > 1 && opts.createLister !== undefined;
  return {
    dir: checkpointDir(join(site.VarLocation, 'work'), site.name),
    resume: !sharded && (daemon ? site.DaemonResume : opts.resume === true),
    noResumeReason: sharded ? 'a listing split into Shards is listed again, never resumed' : daemon ? 'DaemonResume is false' : 'this check was started without --resume',
    everyDirs: site.CheckpointDirectories,
    everySeconds: site.CheckpointSeconds,
    maxAgeSeconds: site.ResumeMaxAge * 86400,
    runId,
    log,
  };
}

/** What stopped the run, if anything did: the lease (halt, lost lock) or the caller's signal, whichever came first. */
function stopCause(signal: AbortSignal, lease: SiteLease): 'halt' | 'lost' | 'signal' | undefined {
  if (!signal.aborted) return undefined;
  return lease.stopped && signal.reason === lease.signal.reason ? lease.stopped : 'signal';
}

/** Why the run failed when every top directory is unlisted, or undefined when something was listed. */
function everyTopUnlisted(result: CheckResult): string | undefined {
  const tops = result.summary.tops;
  if (tops.length === 0 || !tops.every((t) => t.unlisted)) return undefined;
  return `every top directory is unlisted (${tops.length}: ${result.summary.unlisted.dirs.slice(0, 3).map((u) => `${u.lfn} ${u.code}`).join('; ')})`;
}

/** Nothing was listed: the lists say so, but the run is a failure, never a clean "nothing missing". */
async function finishUnlisted(record: RunRecord, site: SiteConfig, result: CheckResult, why: string, log: Log): Promise<RunOutcome> {
  const runId = record.runId;
  const summary: RunSummaryFile<ActionsReport> = { ...result.summary, runId, gates: { act: false, held: [] }, actions: notActedReport(site, `the run failed: ${why}`), files: {} };
  await writeOutputs(result, summary, { workDir: site.VarLocation, webDir: site.WebDir, rootPath: site.RootPath }, {});
  await record.finish('failed', { summary, error: why });
  removeCheckpoint(checkpointDir(join(site.VarLocation, 'work'), site.name), log);
  log('check-failed', { site: site.name, runId, error: why });
  return { runId, status: 'failed', summary, error: new DcError('IO', why), reason: why };
}

/**
 * The gates on the finished check, and what they mean for the history: a run whose data gates are
 * all open moves the size baseline, and one held by a shrink gate records no findings.
 */
async function judge(record: RunRecord, site: SiteConfig, result: CheckResult, dryRun: boolean | undefined, runLog: RunLog): Promise<GateDecision> {
  failpoint('judging');
  const { state, baseline } = await record.gateInputs();
  const gates = evaluateGates(result.summary, site, state, baseline);
  if (dryRun && gates.act) {
    gates.act = false;
    gates.held.push({ gate: 'DryMode', reason: '--dry-run given' });
  }
  runLog.write('gates', { act: gates.act, held: gates.held, baseline });
  if (gates.held.every((g) => OPERATIONAL_GATES.has(g.gate))) await record.moveBaseline(result.summary);
  failpoint('judging');
  // Sightings in a run held by a shrink gate are not confirmations: its findings are not recorded,
  // so the next run starts every count afresh.
  if (!gates.held.some((g) => SHRINK_GATES.has(g.gate))) await record.recordFindings(result);
  return gates;
}
