import { Worker } from 'node:worker_threads';
import { DcError, type ErrorCode } from '../core/errors.ts';
import { runCompare3Task, type Compare3Task, type Compare3TaskResult } from './compare3-tasks.ts';

/**
 * Runs compare3 tasks on up to `size` worker threads (size 0: inline, on this thread). Each
 * worker registers tsx itself (compare3-worker-boot.mjs), so it works whether the process was
 * started with `--import tsx` or through tsx's register() API.
 */
export class Compare3Pool {
  private idle: Worker[] = [];
  private all: Worker[] = [];
  private waiting: ((w: Worker) => void)[] = [];

  constructor(private readonly size: number) {}

  async run(task: Compare3Task): Promise<Compare3TaskResult> {
    if (this.size === 0) return runCompare3Task(task);
    const w = await this.acquire();
    try {
      return await new Promise<Compare3TaskResult>((resolve, reject) => {
        const onMessage = (m: { ok: boolean; result?: Compare3TaskResult; code?: ErrorCode; message?: string }) => {
          w.off('error', onError);
          if (m.ok) resolve(m.result!);
          else reject(new DcError(m.code ?? 'INTERNAL', m.message ?? 'compare3 worker failed'));
        };
        const onError = (err: Error) => {
          w.off('message', onMessage);
          reject(new DcError('INTERNAL', `compare3 worker crashed: ${err.message}`, { cause: err }));
        };
        w.once('message', onMessage);
        w.once('error', onError);
        w.postMessage(task);
      });
    } finally {
      this.release(w);
    }
  }

  private acquire(): Promise<Worker> {
    const w = this.idle.pop();
    if (w) return Promise.resolve(w);
    if (this.all.length < this.size) {
      const worker = new Worker(new URL('./compare3-worker-boot.mjs', import.meta.url));
      this.all.push(worker);
      return Promise.resolve(worker);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(w: Worker): void {
    const next = this.waiting.shift();
    if (next) next(w);
    else this.idle.push(w);
  }

  async close(): Promise<void> {
    const all = this.all;
    this.all = [];
    this.idle = [];
    await Promise.all(all.map((w) => w.terminate()));
  }
}
