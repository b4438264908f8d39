/**
 * A redis-server of a test's own, on a free loopback port, its data (append-only file) in a
 * directory of the test, so a stop and start keeps the queue: for tests that take Redis away.
 */
import { freePort } from './free-port.ts';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { waitForPort } from './xrootd-server.ts';

export class RedisServer {
  private child?: ChildProcess;

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  /** Starts redis-server in the foreground; fails saying how to install it when it is absent. */
  static async start(dir: string): Promise<RedisServer> {
    if (spawnSync('redis-server', ['--version']).error) throw new Error('redis-server is not installed: run scripts/setup-system.sh (as root) to install it');
    const r = new RedisServer(await freePort(), dir);
    await r.start();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  async start(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const r = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes', '--save', '', '--daemonize', 'no'], { stdio: 'ignore' });
    this.child = r;
    await waitForPort('127.0.0.1', this.port, 10_000, () => (r.exitCode !== null ? `redis-server exited with code ${r.exitCode}` : undefined));
  }

  async stop(): Promise<void> {
    const r = this.child;
    this.child = undefined;
    if (!r || r.exitCode !== null) return;
    const exited = new Promise((res) => r.once('exit', res));
    r.kill('SIGTERM');
    await exited;
  }
}
