import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

/**
 * A loopback TCP relay keeping every byte that crosses it, so a test can prove what did (or did
 * not) go over the wire — e.g. that a bearer token never left the client in clear text.
 */
export interface RecordingProxy {
  host: string;
  port: number;
  /** Everything the clients sent, all connections concatenated in arrival order. */
  sent(): Buffer;
  /** Everything the server answered. */
  received(): Buffer;
  close(): Promise<void>;
}

export async function startRecordingProxy(targetHost: string, targetPort: number): Promise<RecordingProxy> {
  const up: Buffer[] = [];
  const down: Buffer[] = [];
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const server = createServer((client) => {
    const target = connect({ host: targetHost, port: targetPort });
    track(client);
    track(target);
    client.on('data', (d: Buffer) => {
      up.push(Buffer.from(d));
      target.write(d);
    });
    target.on('data', (d: Buffer) => {
      down.push(Buffer.from(d));
      client.write(d);
    });
    client.on('close', () => target.destroy());
    target.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: '127.0.0.1',
    port: (server.address() as AddressInfo).port,
    sent: () => Buffer.concat(up),
    received: () => Buffer.concat(down),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
