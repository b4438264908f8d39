import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Rng } from '../helpers/seeded-rng.ts';

/**
 * A TCP proxy on loopback that damages what it forwards, driven by a seeded random source so a
 * drill replays the same faults: connections reset (RST) at random, stalled mid-frame (bytes stop
 * and the socket stays open), answers cut mid-frame (FIN after a random prefix), every chunk held
 * 0–maxDelayMs, or a blackhole that accepts and never answers. `mode` may change between runs.
 */
export type FaultMode = 'none' | 'reset' | 'stall' | 'truncate' | 'delay' | 'blackhole' | 'mixed';

export interface FaultProxyOptions {
  targetHost: string;
  targetPort: number;
  rng: Rng;
  /** Per answer chunk: the chance a connection is reset there (default 0.05). */
  resetRate?: number;
  /** Per connection: the chance it is stalled or cut at a random byte (within its first KiB) of its answers (default 1; a third of it in `mixed`). */
  connectionRate?: number;
  maxDelayMs?: number;
}

export interface FaultCounts {
  connections: number;
  /** Answer chunks that reached the proxy. */
  chunks: number;
  resets: number;
  stalls: number;
  truncations: number;
  delayedChunks: number;
  blackholed: number;
}

export interface FaultProxy {
  host: string;
  port: number;
  mode: FaultMode;
  counts: FaultCounts;
  /** Frees stalled and blackholed connections (their clients see them close); call between runs. */
  releaseHeld(): void;
  close(): Promise<void>;
}

export async function startFaultProxy(o: FaultProxyOptions): Promise<FaultProxy> {
  const { rng } = o;
  const resetRate = o.resetRate ?? 0.05;
  const connectionRate = o.connectionRate ?? 1;
  const maxDelay = o.maxDelayMs ?? 200;
  const sockets = new Set<Socket>();
  const held = new Set<Socket>();
  const counts: FaultCounts = { connections: 0, chunks: 0, resets: 0, stalls: 0, truncations: 0, delayedChunks: 0, blackholed: 0 };
  let forced = -1;
  const proxy: FaultProxy = {
    host: '127.0.0.1',
    port: 0,
    mode: 'none',
    counts,
    releaseHeld: () => {
      for (const s of held) s.destroy();
      held.clear();
      forced = -1;
    },
    close: () =>
      new Promise<void>((done) => {
        for (const s of sockets) s.destroy();
        server.close(() => done());
      }),
  };
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => {
      sockets.delete(s);
      held.delete(s);
    });
    s.on('error', () => undefined);
  };
  const server: Server = createServer((client) => {
    track(client);
    counts.connections++;
    const mode = proxy.mode;
    if (mode === 'blackhole') {
      counts.blackholed++;
      held.add(client);
      return; // accepted, never answered
    }
    const upstream = connect({ host: o.targetHost, port: o.targetPort });
    track(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const kill = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', () => upstream.destroy());
    // The server's end reaches the client after the answers still queued (delayed) before it.
    let chain = Promise.resolve();
    let stalled = false;
    upstream.on('end', () => void chain.then(() => !stalled && client.end()));
    upstream.on('close', () => void chain.then(() => !stalled && client.destroy()));
    // The fault of this connection's answers, decided at accept: at which answer byte it strikes.
    const mixed = mode === 'mixed';
    const hit = (m: FaultMode) => (mode === m || mixed) && rng.chance(mixed ? connectionRate / 3 : connectionRate);
    let stallAt = hit('stall') ? rng.int(1, 1024) : -1;
    let cutAt = stallAt < 0 && hit('truncate') ? rng.int(1, 1024) : -1;
    // One answer chunk among the first 20 of a run (since releaseHeld) always takes the run's fault
    // in `reset`, `stall` and `truncate` mode, so every such run sees at least one.
    if (forced < 0) forced = counts.chunks + rng.int(1, 20);
    const delays = mode === 'delay' || mixed;
    const resets = mode === 'reset' || mixed;
    client.pipe(upstream);
    let sent = 0;
    // Answers go through one ordered queue (`chain`), so delayed chunks keep their order.
    upstream.on('data', (chunk: Buffer) => {
      chain = chain.then(async () => {
        if (stalled || client.destroyed) return;
        if (delays) {
          counts.delayedChunks++;
          await new Promise((r) => setTimeout(r, rng.int(0, maxDelay)));
        }
        counts.chunks++;
        const forcedHere = counts.chunks === forced;
        if (forcedHere && mode === 'stall') stallAt = sent + rng.int(0, chunk.length - 1);
        if (forcedHere && mode === 'truncate') cutAt = sent + rng.int(0, chunk.length - 1);
        if (resets && ((forcedHere && mode === 'reset') || rng.chance(mixed ? resetRate / 2 : resetRate))) {
          counts.resets++;
          // Part of the chunk first: the reset lands mid-frame.
          client.write(chunk.subarray(0, rng.int(0, chunk.length - 1)), () => {
            client.resetAndDestroy();
            upstream.destroy();
          });
          stalled = true;
          return;
        }
        const limit = stallAt >= 0 ? stallAt : cutAt;
        const stalling = stallAt >= 0;
        if (limit >= 0 && sent + chunk.length >= limit) {
          client.write(chunk.subarray(0, limit - sent));
          stalled = true;
          if (stalling) {
            counts.stalls++;
            held.add(client);
            upstream.destroy(); // the client is left waiting on an open, silent connection
          } else {
            counts.truncations++;
            client.end();
            upstream.destroy();
          }
          return;
        }
        sent += chunk.length;
        client.write(chunk);
      });
    });
    upstream.on('error', () => void chain.then(kill));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  proxy.port = (server.address() as AddressInfo).port;
  return proxy;
}
