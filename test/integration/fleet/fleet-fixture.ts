/**
 * A small grid for the fleet tests: POSIX sites with a few files each, a dump inventory per site,
 * and the CLI's long-running commands (daemon, worker) as child processes a test can signal or kill.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BIN } from '../../helpers/run-cli.ts';
import { writeCliConfig } from '../../helpers/cli-fixture.ts';
import { startDelayProxy } from '../../servers/delay-proxy.ts';
import { startNginx } from '../../servers/nginx-server.ts';
import { openSql } from '../../../src/sql/sql-database.ts';
import { HistoryStore } from '../../../src/store/history-store.ts';
import type { StoreDb } from '../../../src/store/history-schema.ts';

const OLD = Date.now() / 1000 - 5 * 86400;

/** LFN of the file `makePosixSite` leaves out of the inventory when asked for an orphan. */
export const ORPHAN_LFN = '/store/mc/Era/Prim/TIER/Proc-v1/0000/orphan.root';

/**
 * A POSIX site under `root/NAME` with `files` files below /store/mc, and its inventory dump
 * `root/inv/NAME.txt`; with `orphan`, one more old file the inventory does not know (ORPHAN_LFN).
 */
export function makePosixSite(root: string, name: string, files = 3, orphan = false): { Url: string } {
  const site = join(root, 'sites', name);
  const lines: string[] = [];
  for (let i = 0; i < files; i++) {
    const lfn = `/store/mc/Era/Prim/TIER/Proc-v1/000${i % 3}/f${i}.root`;
    mkdirSync(join(site, lfn, '..'), { recursive: true });
    writeFileSync(site + lfn, 'x'.repeat(i + 1));
    utimesSync(site + lfn, OLD, OLD);
    lines.push(`${lfn} ${i + 1}`);
  }
  if (orphan) {
    writeFileSync(site + ORPHAN_LFN, 'orphan');
    utimesSync(site + ORPHAN_LFN, OLD, OLD);
  }
  mkdirSync(join(root, 'inv'), { recursive: true });
  writeFileSync(join(root, 'inv', `${name}.txt`), lines.join('\n') + '\n');
  return { Url: pathToFileURL(site).href };
}

/** Writes the configuration shared by the fleet tests (dump inventories in root/inv; no History key unless `body` has one). */
export function writeFleetConfig(root: string, body: Record<string, unknown>): string {
  return writeCliConfig(root, { History: undefined, Inventory: { Type: 'dump', Path: 'inv/{site}.txt', Format: 'lfn-size' }, ...body });
}

/** A running CLI command: its output so far, and how it ended. */
export class CliProcess {
  readonly child: ChildProcess;
  stderr = '';
  stdout = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: string[], cwd: string) {
    this.child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d) => (this.stdout += d));
    this.child.stderr!.on('data', (d) => (this.stderr += d));
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The JSON log lines of one event. */
  events(event: string): Record<string, unknown>[] {
    return this.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.event === event);
  }

  /** Sends `signal` and measures how long the process takes to exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; ms: number }> {
    const t = Date.now();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    const r = await this.exited;
    return { code: r.code, ms: Date.now() - t };
  }

  /** For after(): a process still running is killed. */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs: number, everyMs = 200): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface RunRow {
  id: number;
  site: string;
  status: string;
  start: number;
  end: number;
  error: string | null;
}

/** Every run of the history, oldest first, with start and end in epoch seconds. */
export async function collectRunRows(historyUrl: string): Promise<RunRow[]> {
  // Opening the store first creates its tables when no daemon has yet; then a connection of the
  // test's own reads them (the store keeps its database to itself).
  await (await HistoryStore.open(historyUrl)).close();
  const history = await openSql<StoreDb>(historyUrl);
  const rows = await history.db.selectFrom('runs').select(['id', 'site', 'status', 'started_at', 'finished_at', 'error']).orderBy('id').execute().finally(() => history.close());
  return rows.map((r) => ({ id: r.id, site: r.site, status: r.status, start: Date.parse(r.started_at) / 1000, end: r.finished_at ? Date.parse(r.finished_at) / 1000 : Infinity, error: r.error }));
}

/** Asserts the fleet's promises on the runs of one site: never two at once, and each start a full cadence after the previous one. */
export function cadenceProblems(runs: RunRow[], everySeconds: number): string[] {
  const problems: string[] = [];
  for (let i = 1; i < runs.length; i++) {
    const [a, b] = [runs[i - 1], runs[i]];
    if (b.start < a.end) problems.push(`runs ${a.id} and ${b.id} of ${a.site} overlap`);
    // Start times are recorded to the millisecond; the daemon wakes on the due time itself.
    if (b.start - a.start < everySeconds - 0.05) problems.push(`run ${b.id} of ${b.site} started ${(b.start - a.start).toFixed(2)} s after run ${a.id} (cadence ${everySeconds} s)`);
  }
  return problems;
}

/**
 * A WebDAV site slow to list: nginx serving `dirs` directories of one file each under /store/mc,
 * behind a proxy adding `rttMs` of round trip, so a check with NumThreads 1 lists for about
 * dirs × rttMs. Each of `sites` gets an inventory naming those files; all share the storage.
 */
export async function startSlowDavSite(root: string, sites: readonly string[], dirs = 60, rttMs = 600): Promise<{ url: string; close(): Promise<void> }> {
  const data = join(root, 'dav');
  const lines: string[] = [];
  for (let i = 0; i < dirs; i++) {
    const lfn = `/store/mc/d${String(i).padStart(3, '0')}/f.root`;
    mkdirSync(join(data, lfn, '..'), { recursive: true });
    writeFileSync(data + lfn, 'x');
    lines.push(`${lfn} 1`);
  }
  for (const d of [root, data]) chmodSync(d, 0o755); // nginx workers run as nobody
  mkdirSync(join(root, 'inv'), { recursive: true });
  for (const s of sites) writeFileSync(join(root, 'inv', `${s}.txt`), lines.join('\n') + '\n');
  const nginx = await startNginx({ dataDir: data });
  const proxy = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: Number(new URL(nginx.httpUrl).port), rttMs });
  return {
    url: `http://127.0.0.1:${proxy.port}/`,
    async close() {
      await proxy.close();
      await nginx.stop();
    },
  };
}
