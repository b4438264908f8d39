/**
 * D4's worker thread: feeds the inputs of seeds [from, to) of one protocol and reports. It writes the
 * seed it is on into shared memory before each input, so the parent can name the input of a hang and
 * end the thread; the parent also caps the thread's heap (resourceLimits), so unbounded growth ends
 * it with ERR_WORKER_OUT_OF_MEMORY instead of taking the machine.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { badBytesInput, feedWebdav, feedXrootd, type BadBytesProtocol } from './d4-bad-bytes-inputs.ts';

export interface BadBytesJob {
  protocol: BadBytesProtocol;
  from: number;
  to: number;
  /** Int32Array [current seed] shared with the parent. */
  progress: SharedArrayBuffer;
}

export interface BadBytesFailure {
  seed: number;
  kind: string;
  error: string;
  hex: string;
}

export interface BadBytesResult {
  inputs: number;
  decoded: number;
  refused: number;
  byKind: Record<string, number>;
  failures: BadBytesFailure[];
  slowestMs: number;
  slowestSeed: number;
  peakHeapMb: number;
  bytes: number;
}

function run(job: BadBytesJob): BadBytesResult {
  const at = new Int32Array(job.progress);
  const feed = job.protocol === 'xrootd' ? feedXrootd : feedWebdav;
  const res: BadBytesResult = { inputs: 0, decoded: 0, refused: 0, byKind: {}, failures: [], slowestMs: 0, slowestSeed: 0, peakHeapMb: 0, bytes: 0 };
  for (let seed = job.from; seed < job.to; seed++) {
    Atomics.store(at, 0, seed);
    const input = badBytesInput(job.protocol, seed);
    const t0 = performance.now();
    try {
      if (feed(input)) res.decoded++;
      else res.refused++;
    } catch (err) {
      if (res.failures.length < 5) {
        res.failures.push({ seed, kind: input.kind, error: err instanceof Error ? (err.stack ?? err.message) : String(err), hex: input.bytes.subarray(0, 200).toString('hex') });
      }
    }
    const ms = performance.now() - t0;
    if (ms > res.slowestMs) {
      res.slowestMs = ms;
      res.slowestSeed = seed;
    }
    res.inputs++;
    res.bytes += input.bytes.length;
    res.byKind[input.kind] = (res.byKind[input.kind] ?? 0) + 1;
    if ((seed & 1023) === 0) res.peakHeapMb = Math.max(res.peakHeapMb, process.memoryUsage().heapUsed / 2 ** 20);
  }
  return res;
}

parentPort!.postMessage(run(workerData as BadBytesJob));
