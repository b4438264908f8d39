import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Rng } from '../helpers/seeded-rng.ts';

/**
 * An HTTP front on loopback before a real WebDAV server: a share of the requests (seeded) is
 * answered 500, 503 or 429 — the last two with `Retry-After` — instead of being passed on, as an
 * overloaded or failing server does. Everything else goes to the server and back unchanged.
 */
export interface HttpFaultFront {
  url: string;
  /** The share of requests refused now (0 passes everything). */
  rate: number;
  counts: { requests: number; refused: Record<number, number> };
  close(): Promise<void>;
}

export async function startHttpFaultFront(o: { target: string; rng: Rng; rate: number; retryAfterSeconds?: number }): Promise<HttpFaultFront> {
  const target = new URL(o.target);
  const counts = { requests: 0, refused: { 500: 0, 503: 0, 429: 0 } as Record<number, number> };
  const front: HttpFaultFront = { url: '', rate: o.rate, counts, close: async () => undefined };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    counts.requests++;
    if (o.rng.chance(front.rate)) {
      const status = o.rng.pick([500, 503, 429]);
      counts.refused[status]++;
      req.resume();
      const headers: Record<string, string> = { 'content-type': 'text/plain' };
      if (status !== 500) headers['retry-after'] = String(o.retryAfterSeconds ?? 1);
      res.writeHead(status, headers).end(`drill: ${status}\n`);
      return;
    }
    const up = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  front.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  front.close = () =>
    new Promise<void>((done) => {
      server.closeAllConnections();
      server.close(() => done());
    });
  return front;
}
