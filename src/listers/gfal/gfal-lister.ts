import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { DirEntry } from '../../core/entries.ts';
import { decodeName } from '../../core/name-bytes.ts';
import { DcError } from '../../core/errors.ts';
import type { CliListerOptions } from '../cli-lister-options.ts';
import { commandWords } from '../cli-lister-settings.ts';
import type { Lister, ListerSettings } from '../lister.ts';
import { gfalError, gfalUrl, parseGfalLine } from './gfal-output.ts';

const BATCH = 1000;

export type GfalListerOptions = CliListerOptions;

/**
 * The seed's AccessMethod `SRM`: one `gfal-ls -l` child process per directory, for protocols we do
 * not speak natively. Slow (a Python start per directory) but it reaches anything gfal2 has a
 * plugin for. A run that exits non-zero, prints an entry we cannot parse, or times out fails the
 * directory with a typed error, which the walker retries and then reports unlisted.
 */
export class GfalLister implements Lister {
  readonly kind = 'gfal';
  private readonly command: readonly string[];
  private readonly env: NodeJS.ProcessEnv;
  private running = 0;
  private readonly waiters: (() => void)[] = [];
  private readonly children = new Set<{ kill(sig?: NodeJS.Signals): boolean }>();
  private closed = false;

  constructor(private readonly o: GfalListerOptions) {
    this.command = o.command?.length ? o.command : ['gfal-ls'];
    this.env = {
      ...o.env,
      // gfal2's Python bindings exist only for the system python (SERVERS.md).
      GFAL_PYTHONBIN: o.env.GFAL_PYTHONBIN ?? '/usr/bin/python3',
      // full-iso prints local time labelled +0000: make the label true.
      TZ: 'UTC',
      LC_ALL: 'C.UTF-8',
      PYTHONIOENCODING: 'utf-8:surrogateescape',
    };
  }

  private async slot(signal: AbortSignal): Promise<void> {
    while (this.running >= Math.max(1, this.o.concurrency)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          signal.removeEventListener('abort', done);
          resolve();
        };
        this.waiters.push(done);
        signal.addEventListener('abort', done, { once: true });
      });
      if (signal.aborted) throw new DcError('ABORTED', 'gfal listing aborted');
    }
    this.running++;
  }

  private release(): void {
    this.running--;
    this.waiters.shift()?.();
  }

  async *listDir(path: string, signal: AbortSignal): AsyncIterable<DirEntry[]> {
    if (this.closed) throw new DcError('ABORTED', 'gfal lister closed');
    if (signal.aborted) throw new DcError('ABORTED', `listing ${path} aborted`);
    const url = gfalUrl(this.o.url, path);
    await this.slot(signal);
    const [cmd, ...pre] = this.command;
    const child = spawn(cmd, [...pre, '-l', '-a', '--time-style=full-iso', url], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.add(child);
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
    const exit = new Promise<{ code: number | null; error?: Error }>((resolve) => {
      child.once('error', (error) => resolve({ code: null, error }));
      child.once('close', (code) => resolve({ code }));
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, this.o.timeoutMs);
    const onAbort = () => child.kill('SIGKILL');
    signal.addEventListener('abort', onAbort, { once: true });
    // latin1: one character a byte; each line is then decoded keeping bytes that are not UTF-8
    // (PYTHONIOENCODING surrogateescape makes gfal-ls print a name's own bytes).
    const lines = createInterface({ input: child.stdout.setEncoding('latin1'), crlfDelay: Infinity });
    try {
      let batch: DirEntry[] = [];
      let failure: DcError | undefined;
      for await (const raw of lines) {
        if (signal.aborted) break;
        const line = decodeName(Buffer.from(raw, 'latin1'));
        if (line === '' || failure) continue;
        try {
          const e = parseGfalLine(line);
          if (!e) continue;
          // gfal-ls on a file prints that file under its full URL: the path is not a directory.
          if (e.name.includes('/')) failure = new DcError('NOT_FOUND', `${url} is not a directory`, { detail: { errno: 20 } });
          else batch.push(e);
        } catch (err) {
          failure = err as DcError;
          child.kill('SIGKILL');
        }
        if (batch.length >= BATCH) {
          yield batch;
          batch = [];
        }
      }
      const { code, error } = await exit;
      if (signal.aborted) throw new DcError('ABORTED', `listing ${path} aborted`);
      if (error) throw new DcError('UNSUPPORTED', `cannot run ${cmd}: ${error.message} (install gfal2-util-scripts, see scripts/setup-system.sh)`, { cause: error });
      if (timedOut) throw new DcError('TIMEOUT', `gfal-ls ${url} took more than ${this.o.timeoutMs} ms`);
      if (failure) throw failure;
      if (code !== 0) throw gfalError(url, code, stderr);
      if (batch.length) yield batch;
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      lines.close();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exit;
      this.children.delete(child);
      this.release();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.children) c.kill('SIGKILL');
    for (const w of this.waiters.splice(0, this.waiters.length)) w();
  }
}

/** Site key: `GfalCommand` (program and leading arguments, a list or a space-separated string). */
export function createGfalLister(settings: ListerSettings): Lister {
  return new GfalLister({ url: settings.url, command: commandWords(settings.settings.GfalCommand), concurrency: settings.concurrency, timeoutMs: settings.timeoutSeconds * 1000, env: settings.env });
}
