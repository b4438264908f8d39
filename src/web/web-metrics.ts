import { Gauge, Registry } from 'prom-client';
import type { RunSummaryFile } from '../check/check-outputs.ts';
import { parseJson, type LatestRuns } from './web-data.ts';
import { HistoryDurationHistogram, type FleetMetrics } from './web-fleet-metrics.ts';

/**
 * Prometheus gauges of each site's latest finished run, filled from the history at scrape time.
 * One registry per server (no prom-client default registry: no global state), reset before each
 * fill so a site removed from the history disappears from the output.
 */
export class WebMetrics {
  readonly registry = new Registry();
  private readonly runGauges: Record<string, Gauge> = {};
  private readonly unlistedByCode: Gauge;
  private readonly retries: Gauge;
  private readonly running: Gauge;
  private readonly state: Gauge;
  private readonly gates: Gauge;
  private readonly failed: Gauge;
  private readonly finished: Gauge;
  private readonly queueJobs: Gauge;
  private readonly queueUp: Gauge;
  private readonly runningChecks: Gauge;
  private readonly memberAge: Gauge;
  private readonly durations: HistoryDurationHistogram;

  constructor() {
    const g = (name: string, help: string, labelNames: string[] = ['site']) => new Gauge({ name, help, labelNames, registers: [this.registry] });
    const fields: [string, string][] = [
      ['files', 'files listed'],
      ['bytes', 'bytes listed'],
      ['directories', 'directories listed'],
      ['missing', 'missing files'],
      ['missing_bytes', 'bytes of missing files'],
      ['orphan', 'orphan files'],
      ['orphan_bytes', 'bytes of orphan files'],
      ['size_mismatch', 'files whose sizes differ'],
      ['empty_directories', 'empty directories'],
      ['unlisted_directories', 'directories that could not be listed'],
      ['duration_seconds', 'run time'],
    ];
    for (const [f, help] of fields) this.runGauges[f] = g(`dc_site_last_run_${f}`, `Latest finished run of the site: ${help}.`);
    this.finished = g('dc_site_last_run_finished_timestamp_seconds', 'When the latest finished run of the site ended (Unix time).');
    this.unlistedByCode = g('dc_site_last_run_listing_errors', 'Directories of the latest finished run that failed to list, by error code.', ['site', 'code']);
    this.retries = g('dc_site_last_run_listing_retries', 'Directory listings retried during the latest finished run.');
    this.running = g('dc_site_running', '1 while a check of the site is running.');
    this.failed = g('dc_site_latest_run_failed', '1 when the latest run of the site failed.');
    this.state = g('dc_site_state', 'The site state: 1 for its current status and mode.', ['site', 'status', 'mode']);
    this.gates = g('dc_site_last_run_gate_held', '1 for each gate that held the latest finished run.', ['site', 'gate']);
    this.queueJobs = g('dc_fleet_queue_jobs', 'Jobs on the check queue and on its shard queue (<name>-shards) by state (waiting includes prioritized).', ['queue', 'state']);
    this.queueUp = g('dc_fleet_queue_up', '1 when the queue\'s Redis answered this scrape, 0 when it did not.', ['queue']);
    this.runningChecks = g('dc_fleet_running_checks', 'Checks running now (runs in progress whose site lock is live), whatever process runs them.', []);
    this.memberAge = g('dc_fleet_member_heartbeat_age_seconds', 'Seconds since each daemon or worker last wrote its heartbeat.', ['role', 'host', 'pid']);
    this.durations = new HistoryDurationHistogram(this.registry);
  }

  async render(latest: LatestRuns[], fleet?: FleetMetrics): Promise<string> {
    this.registry.resetMetrics();
    if (fleet) this.fillFleet(fleet);
    for (const l of latest) {
      const site = l.site;
      this.state.set({ site, status: l.status, mode: l.mode }, 1);
      this.running.set({ site }, l.last?.status === 'running' ? 1 : 0);
      this.failed.set({ site }, l.last?.status === 'failed' ? 1 : 0);
      const d = l.done;
      if (!d) continue;
      const values: Record<string, number> = {
        files: d.files, bytes: d.bytes, directories: d.directories, missing: d.missing, missing_bytes: d.missingBytes, orphan: d.orphan, orphan_bytes: d.orphanBytes,
        size_mismatch: d.sizeMismatch, empty_directories: d.emptyDirs, unlisted_directories: d.unlisted, duration_seconds: d.duration,
      };
      for (const [k, v] of Object.entries(values)) this.runGauges[k].set({ site }, v);
      if (d.finishedAt) this.finished.set({ site }, Date.parse(d.finishedAt) / 1000);
      const s = parseJson<Partial<RunSummaryFile>>(d.summary);
      const byCode = new Map<string, number>();
      for (const u of s?.unlisted?.dirs ?? []) byCode.set(u.code, (byCode.get(u.code) ?? 0) + 1);
      for (const [code, n] of byCode) this.unlistedByCode.set({ site, code }, n);
      if (s?.listing) this.retries.set({ site }, s.listing.retries ?? 0);
      for (const gate of parseJson<string[]>(d.gatesHeld) ?? []) this.gates.set({ site, gate }, 1);
    }
    return this.registry.metrics();
  }

  private fillFleet(f: FleetMetrics): void {
    if (f.queue) {
      this.queueUp.set({ queue: f.queue.name }, f.queue.counts ? 1 : 0);
      for (const [state, n] of Object.entries(f.queue.counts ?? {})) this.queueJobs.set({ queue: f.queue.name, state }, n);
      // The shard queue's jobs under its own name (`<Name>-shards`): parts of sharded runs' listings.
      for (const [state, n] of Object.entries(f.queue.shards?.counts ?? {})) this.queueJobs.set({ queue: f.queue.shards!.name, state }, n);
    }
    this.runningChecks.set(f.running);
    for (const m of f.members) this.memberAge.set({ role: m.role, host: m.host, pid: String(m.pid) }, m.ageSeconds);
    this.durations.set(f.durations);
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
