import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Netns } from './netns.ts';

/**
 * A TCP proxy adding a fixed round-trip time: every chunk is held RTT/2 in each direction before it
 * is forwarded. `tc netem` is not available on these kernels (SERVERS.md), so WAN latency is
 * emulated here. Bandwidth is not limited; only latency is.
 */
export interface DelayProxyOptions {
  /** Where the proxy listens; 127.0.0.1 by default. */
  listenHost?: string;
  /** 0 (default) picks a free port. */
  listenPort?: number;
  targetHost: string;
  targetPort: number;
  /** Added round trip in milliseconds (half each way). */
  rttMs: number;
}

export interface DelayProxy {
  host: string;
  port: number;
  close(): Promise<void>;
}

/** Past this many queued bytes in one direction the sender is paused (bounded memory). */
const HIGH_WATER = 8 * 1024 * 1024;

/** Forwards `from` to `to`, each chunk `delayMs` late, in order, ending `to` after the last one. */
function pipeDelayed(from: Socket, to: Socket, delayMs: number): void {
  const queue: { due: number; chunk: Buffer }[] = [];
  let queued = 0;
  let timer: NodeJS.Timeout | undefined;
  let ended = false;
  const flush = () => {
    timer = undefined;
    const now = Date.now();
    while (queue.length && queue[0].due <= now) {
      const { chunk } = queue.shift()!;
      queued -= chunk.length;
      if (!to.destroyed) to.write(chunk);
    }
    if (queued < HIGH_WATER && from.isPaused()) from.resume();
    if (queue.length) timer = setTimeout(flush, Math.max(0, queue[0].due - Date.now()));
    else if (ended && !to.destroyed) to.end();
  };
  from.on('data', (chunk: Buffer) => {
    queue.push({ due: Date.now() + delayMs, chunk });
    queued += chunk.length;
    if (queued >= HIGH_WATER) from.pause();
    if (!timer) timer = setTimeout(flush, delayMs);
  });
  from.on('end', () => {
    ended = true;
    if (!timer) flush();
  });
  from.on('close', () => {
    if (!ended) {
      clearTimeout(timer);
      to.destroy();
    }
  });
}

export function startDelayProxy(opts: DelayProxyOptions): Promise<DelayProxy> {
  const oneWay = opts.rttMs / 2;
  const sockets = new Set<Socket>();
  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    const upstream = connect({ host: opts.targetHost, port: opts.targetPort, allowHalfOpen: true });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.setNoDelay(true);
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      s.on('close', () => sockets.delete(s));
    }
    pipeDelayed(client, upstream, oneWay);
    pipeDelayed(upstream, client, oneWay);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.listenPort ?? 0, opts.listenHost ?? '127.0.0.1', () => {
      const addr = server.address() as AddressInfo;
      resolve({
        host: opts.listenHost ?? '127.0.0.1',
        port: addr.port,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/**
 * Runs the proxy as a child process inside a namespace, listening on every address there: the host
 * reaches it at `netns.nsAddr:port`, clients inside the namespace at `127.0.0.1:port`.
 */
export function startDelayProxyInNetns(netns: Netns, opts: { listenPort: number; targetPort: number; rttMs: number }): Promise<DelayProxy> {
  const self = fileURLToPath(import.meta.url);
  const child = netns.spawn(process.execPath, ['--import', 'tsx', self, String(opts.listenPort), String(opts.targetPort), String(opts.rttMs)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // `--import tsx` resolves from the working directory: the repository root.
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) {
        resolve({
          host: netns.nsAddr,
          port: opts.listenPort,
          close: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`delay proxy in ${netns.name} exited (code ${code}): ${err.slice(-2000)}`)));
  });
}

// Child-process entry: `node --import tsx delay-proxy.ts LISTEN_PORT TARGET_PORT RTT_MS`.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [listenPort, targetPort, rttMs] = process.argv.slice(2).map(Number);
  const proxy = await startDelayProxy({ listenHost: '0.0.0.0', listenPort, targetHost: '127.0.0.1', targetPort, rttMs });
  process.stdout.write(`listening ${proxy.port}\n`);
  process.on('SIGTERM', () => void proxy.close().then(() => process.exit(0)));
}
