import { createServer } from 'node:net';

/**
 * A loopback port free now: bound on 127.0.0.1 and given back. For a server a test starts on it,
 * or, left alone, a port nothing listens on (connections to it are refused).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}
