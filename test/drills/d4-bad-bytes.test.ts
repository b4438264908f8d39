/**
 * Drill D4 (issue 16): bad bytes. The XRootD response decoders (frame splitter, error, redirect, wait,
 * attn/asynresp, stat, dirlist, login, locate, protocol) and the WebDAV multistatus scanner with the
 * href decoders are fed random, truncated and mutated inputs (seeded: a failure names the seed that
 * gives the input back, see d4-bad-bytes-inputs.ts). Asserted: only typed errors (DcError) come out,
 * no input takes long (a watchdog ends a hung worker and names the input), memory stays bounded
 * (the worker's heap is capped and its peak reported).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { drillSize, reportFigures } from './drill-mode.ts';
import { badBytesInput, type BadBytesProtocol } from './d4-bad-bytes-inputs.ts';
import type { BadBytesJob, BadBytesResult } from './d4-bad-bytes-worker.ts';

/** A worker whose seed has not moved for this long is hung on that seed's input. */
const HANG_MS = 20_000;
/** Heap cap of the worker: the largest legal input (a 32 MiB frame) and the decoder state fit in it many times. */
const HEAP_CAP_MB = 256;

function runWorker(job: Omit<BadBytesJob, 'progress'>): Promise<BadBytesResult> {
  const progress = new SharedArrayBuffer(4);
  const seedNow = new Int32Array(progress);
  const worker = new Worker(new URL('./d4-bad-bytes-worker-boot.mjs', import.meta.url), {
    workerData: { ...job, progress },
    resourceLimits: { maxOldGenerationSizeMb: HEAP_CAP_MB },
  });
  return new Promise((resolve, reject) => {
    let last = -1;
    let still = 0;
    const watch = setInterval(() => {
      const s = Atomics.load(seedNow, 0);
      if (s !== last) {
        last = s;
        still = 0;
        return;
      }
      still += 1000;
      if (still >= HANG_MS) {
        clearInterval(watch);
        void worker.terminate();
        reject(new Error(`${job.protocol} decoder hung on seed ${s} (${badBytesInput(job.protocol, s).kind}): no progress for ${HANG_MS} ms`));
      }
    }, 1000);
    worker.once('message', (m: BadBytesResult) => {
      clearInterval(watch);
      resolve(m);
    });
    worker.once('error', (err) => {
      clearInterval(watch);
      reject(new Error(`${job.protocol} worker died near seed ${Atomics.load(seedNow, 0)}: ${err.message}`, { cause: err }));
    });
  });
}

async function drill(protocol: BadBytesProtocol, inputs: number): Promise<void> {
  const t0 = performance.now();
  const res = await runWorker({ protocol, from: 1, to: inputs + 1 });
  const seconds = (performance.now() - t0) / 1000;
  reportFigures(`D4 ${protocol}`, {
    inputs: res.inputs,
    random: res.byKind.random ?? 0,
    truncated: res.byKind.truncated ?? 0,
    mutated: res.byKind.mutated ?? 0,
    decoded: res.decoded,
    typed_errors: res.refused,
    untyped_errors: res.failures.length,
    MiB_fed: (res.bytes / 2 ** 20).toFixed(1),
    slowest_ms: res.slowestMs.toFixed(1),
    slowest_seed: res.slowestSeed,
    peak_heap_MiB: res.peakHeapMb.toFixed(0),
    seconds: seconds.toFixed(1),
  });
  assert.deepEqual(res.failures, [], `${protocol}: errors other than DcError escaped (seed gives the input back: badBytesInput('${protocol}', seed))`);
  assert.equal(res.inputs, inputs);
  // Each kind of mangling was tried, and the inputs were not all trivially refused or all accepted.
  for (const k of ['random', 'truncated', 'mutated']) assert.ok((res.byKind[k] ?? 0) > inputs / 20, `too few ${k} inputs`);
  assert.ok(res.refused > inputs / 10, `only ${res.refused} inputs were refused: the mangling is too gentle`);
  assert.ok(res.decoded > inputs / 100, `only ${res.decoded} inputs decoded whole: the inputs never reach the decoders' far ends`);
  // One input is at most ~70 KB; a second for one would be a quadratic path, not load.
  assert.ok(res.slowestMs < 2000, `seed ${res.slowestSeed} took ${res.slowestMs.toFixed(0)} ms`);
  assert.ok(res.peakHeapMb < HEAP_CAP_MB / 2, `peak heap ${res.peakHeapMb.toFixed(0)} MiB`);
}

describe('drill D4: bad bytes to the decoders', { timeout: 3_600_000 }, () => {
  it('XRootD response decoders: typed errors only, no hang, bounded memory', async () => {
    await drill('xrootd', drillSize(100_000, 1_000_000));
  });

  it('WebDAV multistatus scanner and href decoders: typed errors only, no hang, bounded memory', async () => {
    await drill('webdav', drillSize(30_000, 1_000_000));
  });
});
