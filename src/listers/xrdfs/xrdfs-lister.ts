import type { DirEntry } from '../../core/entries.ts';
import { DcError } from '../../core/errors.ts';
import type { CliListerOptions } from '../cli-lister-options.ts';
import { commandWords } from '../cli-lister-settings.ts';
import type { Lister, ListerSettings } from '../lister.ts';
import { existsByStat, refuseCutNames } from '../cut-names.ts';
import { errorFromOutput, parseLsLine, parseStatOutput, quoteXrdfsPath, toDirEntry } from './xrdfs-output.ts';
import { XrdfsProcess } from './xrdfs-process.ts';

const BATCH = 1000;

export type XrdfsListerOptions = CliListerOptions;

/**
 * The seed's AccessMethod `directx`: lists through the C++ client's `xrdfs`, for sites whose
 * authentication only the C++ client speaks. Each process is long-lived and fed `ls -l PATH`
 * commands on stdin — starting one xrdfs per directory costs a connection and a login every time
 * (SERVERS.md measured 30× slower). A directory fails as a whole when xrdfs prints anything that
 * is not an entry ("[ERROR] …", "[FATAL] Connection error", "Some of the requests failed").
 */
export class XrdfsLister implements Lister {
  readonly kind = 'xrdfs';
  private readonly target: string;
  private readonly base: string;
  private readonly command: readonly string[];
  private readonly env: NodeJS.ProcessEnv;
  private readonly idle: XrdfsProcess[] = [];
  private readonly busy = new Set<XrdfsProcess>();
  private starting = 0;
  private readonly waiters: (() => void)[] = [];
  private closed = false;

  constructor(private readonly opts: XrdfsListerOptions) {
    let u: URL;
    try {
      u = new URL(opts.url);
    } catch {
      throw new DcError('CONFIG', `xrdfs lister: site Url is not a URL: ${JSON.stringify(opts.url)}`);
    }
    if (u.protocol !== 'root:' && u.protocol !== 'roots:' && u.protocol !== 'xroot:' && u.protocol !== 'xroots:') {
      throw new DcError('UNSUPPORTED', `xrdfs lister needs a root:// URL, got ${u.protocol}//`);
    }
    this.target = `${u.protocol}//${u.host}`;
    this.base = u.pathname.replace(/^\/+/, '/').replace(/\/+$/, '');
    this.command = opts.command?.length ? opts.command : ['xrdfs'];
    const timeoutSeconds = Math.max(1, Math.ceil(opts.timeoutMs / 1000));
    // Without these, xrdfs retries a dead server for minutes; a listing should fail fast and be retried by the walker.
    const env = opts.env;
    this.env = {
      ...env,
      XRD_CONNECTIONRETRY: env.XRD_CONNECTIONRETRY ?? '1',
      XRD_CONNECTIONWINDOW: env.XRD_CONNECTIONWINDOW ?? '2',
      XRD_REQUESTTIMEOUT: env.XRD_REQUESTTIMEOUT ?? String(timeoutSeconds),
      // By default a failed connection stays failed for 30 minutes inside one xrdfs process.
      XRD_STREAMERRORWINDOW: env.XRD_STREAMERRORWINDOW ?? '0',
      // Readline must not apply a user's key bindings to our commands; times are parsed as UTC.
      INPUTRC: '/dev/null',
      TZ: 'UTC',
    };
  }

  private storagePath(path: string): string {
    const p = this.base + (path.startsWith('/') ? path : '/' + path);
    return p.length > 1 ? p.replace(/\/+$/, '') : p;
  }

  /** A free process, starting one when under the limit, else waiting for one to be released. */
  private async acquire(signal: AbortSignal): Promise<XrdfsProcess> {
    for (;;) {
      if (this.closed) throw new DcError('ABORTED', 'xrdfs lister is closed');
      if (signal.aborted) throw new DcError('ABORTED', 'listing aborted');
      const p = this.idle.pop();
      if (p) {
        if (!p.alive) continue;
        this.busy.add(p);
        return p;
      }
      if (this.busy.size + this.starting < this.opts.concurrency) {
        this.starting++;
        try {
          const fresh = await XrdfsProcess.start({ command: this.command, target: this.target, env: this.env, startTimeoutMs: this.opts.timeoutMs });
          if (this.closed) {
            await fresh.close();
            throw new DcError('ABORTED', 'xrdfs lister is closed');
          }
          this.busy.add(fresh);
          return fresh;
        } finally {
          this.starting--;
          this.wakeOne();
        }
      }
      await new Promise<void>((resolve) => {
        const onAbort = () => {
          const i = this.waiters.indexOf(wake);
          if (i >= 0) this.waiters.splice(i, 1);
          resolve();
        };
        const wake = () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
        this.waiters.push(wake);
        signal.addEventListener('abort', onAbort, { once: true });
      });
    }
  }

  private release(p: XrdfsProcess): void {
    this.busy.delete(p);
    if (this.closed) void p.close();
    else if (p.alive) this.idle.push(p);
    else p.kill();
    this.wakeOne();
  }

  private wakeOne(): void {
    this.waiters.shift()?.();
  }

  /** Runs one command on a pooled process, returning its output lines. */
  private async runCommand(commandLine: string, onLine: (line: string) => void, signal: AbortSignal): Promise<void> {
    const p = await this.acquire(signal);
    try {
      await p.run(commandLine, onLine, this.opts.timeoutMs, signal);
    } catch (err) {
      if (signal.aborted && !(err instanceof DcError && err.code === 'ABORTED')) throw new DcError('ABORTED', `${commandLine} aborted`, { cause: err });
      throw err;
    } finally {
      this.release(p);
    }
  }

  /**
   * xrdfs prints a directory only once it has it whole, so the entries are collected and then
   * handed out in batches; nothing is yielded for a directory whose output held an error line.
   */
  async *listDir(path: string, signal: AbortSignal): AsyncIterable<DirEntry[]> {
    const full = this.storagePath(path);
    const commandLine = `ls -l ${quoteXrdfsPath(full)}`;
    const entries: DirEntry[] = [];
    const errors: string[] = [];
    await this.runCommand(
      commandLine,
      (line) => {
        if (!line.trim()) return;
        const parsed = parseLsLine(line);
        if (!parsed) errors.push(line.trim());
        else if (errors.length === 0) entries.push(toDirEntry(full, parsed));
      },
      signal,
    );
    if (errors.length) throw errorFromOutput(full, errors);
    await refuseCutNames(path, entries, (name) => existsByStat(() => this.stat(`${path}/${name}`, signal)));
    for (let i = 0; i < entries.length; i += BATCH) {
      if (signal.aborted) throw new DcError('ABORTED', `listing ${full} aborted`);
      yield entries.slice(i, i + BATCH);
    }
  }

  async stat(path: string, signal: AbortSignal): Promise<DirEntry> {
    const full = this.storagePath(path);
    const lines: string[] = [];
    await this.runCommand(`stat ${quoteXrdfsPath(full)}`, (line) => {
      if (line.trim()) lines.push(line.trim());
    }, signal);
    const entry = parseStatOutput(full, lines);
    if (!entry) throw errorFromOutput(full, lines);
    return entry;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const all = [...this.idle, ...this.busy];
    this.idle.length = 0;
    for (const w of this.waiters.splice(0)) w();
    // Busy processes are killed: their command's caller gets an IO error, as with undici's destroy().
    for (const p of this.busy) p.kill();
    for (const p of all) await p.close();
  }
}

/** Site key: `XrdfsCommand` (program and leading arguments). */
export function createXrdfsLister(settings: ListerSettings): Lister {
  return new XrdfsLister({
    url: settings.url,
    command: commandWords(settings.settings.XrdfsCommand),
    concurrency: Math.max(1, settings.concurrency),
    timeoutMs: Math.max(1, settings.timeoutSeconds) * 1000,
    env: settings.env,
  });
}
