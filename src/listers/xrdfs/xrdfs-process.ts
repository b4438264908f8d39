import { spawn, type ChildProcess } from 'node:child_process';
import { decodeName, encodeName } from '../../core/name-bytes.ts';
import { DcError } from '../../core/errors.ts';

export interface XrdfsProcessOptions {
  /** Program and leading arguments, e.g. `['xrdfs']` or `['ip', 'netns', 'exec', 'ns1', 'xrdfs']`. */
  command: readonly string[];
  /** What xrdfs connects to: `root://host:port`. */
  target: string;
  env: NodeJS.ProcessEnv;
  /** How long to wait for the first prompt. */
  startTimeoutMs: number;
}

interface Running {
  onLine: (line: string) => void;
  resolve: () => void;
  reject: (err: unknown) => void;
  /** The command as sent; xrdfs echoes it after the prompt, and the echo is skipped. */
  echo: string;
  sawEcho: boolean;
}

/**
 * One interactive `xrdfs HOST` process. xrdfs prints a prompt (`[host:port] / > `, no newline),
 * reads a command, echoes it, prints the result and prints the prompt again; stdout and stderr go
 * through one pipe (`2>&1` in a shell) so error lines stay in order with the listing. A command is
 * complete when the unterminated tail of the output equals the prompt learnt at start-up.
 * One command at a time: callers serialise (the lister keeps a pool of these).
 */
export class XrdfsProcess {
  private readonly child: ChildProcess;
  private tail = '';
  private prompt: string | undefined;
  private running: Running | undefined;
  private exitError: DcError | undefined;
  private readonly exited: Promise<void>;
  private startWaiter: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  private startText = '';
  /** Set when xrdfs reported a connection-level failure: its client may keep failing, so it is replaced. */
  private poisoned = false;

  private constructor(opts: XrdfsProcessOptions) {
    // exec keeps the pid the xrdfs (or `ip netns exec`) pid, so kill() reaches the real client.
    this.child = spawn('/bin/sh', ['-c', 'exec "$@" 2>&1', 'sh', ...opts.command, opts.target], {
      env: opts.env,
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    // latin1: one character a byte, so a name's bytes survive until decodeName() (src/core/name-bytes.ts).
    this.child.stdout!.setEncoding('latin1');
    this.child.stdout!.on('data', (chunk: string) => this.onData(chunk));
    this.child.stdin!.on('error', () => {
      // EPIPE after the process died: reported through 'exit'.
    });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        // A grandchild (a shell wrapper's sleep, a helper) may still hold the pipes open; we are done with them.
        this.child.stdout?.destroy();
        this.child.stdin?.destroy();
        if (code === 127 && this.prompt === undefined) {
          this.fail(new DcError('CONFIG', `${opts.command.join(' ')} not found: install xrootd-client (scripts/setup-system.sh) or set XrdfsCommand`));
        }
        this.fail(new DcError('IO', `xrdfs exited (code ${code}, signal ${signal})${this.startText || this.tail ? `: ${(this.startText + this.tail).trim().slice(0, 500)}` : ''}`));
        resolve();
      });
      this.child.once('error', (err) => {
        this.fail(new DcError('IO', `cannot run ${opts.command.join(' ')}: ${err.message}`, { cause: err }));
        resolve();
      });
    });
  }

  /** Spawns xrdfs and waits for its first prompt. */
  static async start(opts: XrdfsProcessOptions): Promise<XrdfsProcess> {
    const p = new XrdfsProcess(opts);
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        p.startWaiter = { resolve, reject };
        if (p.exitError) reject(p.exitError);
        timer = setTimeout(() => reject(new DcError('TIMEOUT', `xrdfs ${opts.target} printed no prompt within ${opts.startTimeoutMs} ms`)), opts.startTimeoutMs);
      });
    } catch (err) {
      p.kill();
      throw err;
    } finally {
      clearTimeout(timer);
      p.startWaiter = undefined;
    }
    return p;
  }

  get alive(): boolean {
    return this.exitError === undefined && !this.poisoned;
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  /**
   * Sends one command line and feeds each output line to `onLine`. Resolves at the next prompt.
   * On timeout or abort the process is killed (xrdfs cannot cancel a command), so the caller
   * must start a fresh one.
   */
  run(commandLine: string, onLine: (line: string) => void, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.exitError) return Promise.reject(this.exitError);
    if (this.running) return Promise.reject(new DcError('INTERNAL', 'xrdfs process is busy'));
    if (signal?.aborted) return Promise.reject(new DcError('ABORTED', `${commandLine} aborted`));
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        this.fail(new DcError('ABORTED', `${commandLine} aborted`));
        this.kill();
      };
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      this.running = {
        onLine,
        echo: encodeName(commandLine).toString('latin1'),
        sawEcho: false,
        resolve: () => {
          done();
          resolve();
        },
        reject: (err) => {
          done();
          reject(err);
        },
      };
      timer = setTimeout(() => {
        this.fail(new DcError('TIMEOUT', `xrdfs gave no answer to "${commandLine}" within ${timeoutMs} ms`));
        this.kill();
      }, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.child.stdin!.write(encodeName(commandLine + '\n'));
    });
  }

  private onData(chunk: string): void {
    const text = this.tail + chunk;
    const lines = text.split('\n');
    this.tail = lines.pop()!;
    if (this.prompt === undefined) {
      // Before the first prompt: anything printed is a start-up message, kept for the error.
      for (const l of lines) this.startText += decodeName(Buffer.from(l, 'latin1')) + '\n';
      if (this.tail.endsWith(' > ')) {
        this.prompt = this.tail;
        this.tail = '';
        this.startWaiter?.resolve();
      }
      return;
    }
    const run = this.running;
    for (let line of lines) {
      if (!run) continue; // output nobody asked for (should not happen): dropped
      // The echo arrives right after the prompt, which was consumed with the previous command.
      if (!run.sawEcho) {
        run.sawEcho = true;
        if (line === run.echo || line === this.prompt + run.echo) continue;
      }
      line = line.replace(/\0/g, '');
      if (line.startsWith('[FATAL]')) this.poisoned = true;
      try {
        run.onLine(decodeName(Buffer.from(line, 'latin1')));
      } catch (err) {
        // A parse failure must not desynchronise the stream: remember it, finish at the prompt.
        run.onLine = () => {};
        const rej = run.reject;
        run.resolve = () => rej(err);
      }
    }
    if (run && this.tail === this.prompt) {
      this.tail = '';
      this.running = undefined;
      run.resolve();
    }
  }

  private fail(err: DcError): void {
    if (!this.exitError) this.exitError = err;
    const run = this.running;
    this.running = undefined;
    run?.reject(err);
    this.startWaiter?.reject(err);
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  /** Asks xrdfs to exit, and kills it if it does not within a second. */
  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.stdin!.end('exit\n');
      const t = setTimeout(() => this.kill(), 1000);
      await this.exited;
      clearTimeout(t);
    }
  }
}
