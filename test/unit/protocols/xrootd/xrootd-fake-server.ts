/**
 * Test-only scripted XRootD server on 127.0.0.1, for faults a real server will not produce on demand
 * (kXR_wait, redirect chains, kXR_waitresp + attn, dropped connections, garbage). It answers the
 * handshake, kXR_protocol and kXR_login itself and hands every other request to the script.
 * Built on the independent frame builder, not on the production codec.
 */
import net from 'node:net';
import * as B from './xrootd-frame-builder.ts';

export interface FakeConn {
  readonly id: number;
  send(bytes: Uint8Array): void;
  /** Drops the TCP connection at once. */
  drop(): void;
}

export type Script = (req: B.ParsedRequest, conn: FakeConn) => void;

export interface FakeServer {
  host: string;
  port: number;
  /** Every request the script saw, in arrival order, with its connection number. */
  seen: { conn: number; requestId: number; path: string }[];
  connections: number;
  setScript(s: Script): void;
  /** Login reply security string (`&P=unix`), and what to do with kXR_auth. */
  setSecurity(sec: string): void;
  close(): Promise<void>;
}

export async function startFakeServer(script: Script, opts: { protocolFlags?: number } = {}): Promise<FakeServer> {
  let current = script;
  let security = '';
  const sockets = new Set<net.Socket>();
  const state: FakeServer = {
    host: '127.0.0.1',
    port: 0,
    seen: [],
    connections: 0,
    setScript: (s) => (current = s),
    setSecurity: (s) => (security = s),
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    const connId = ++state.connections;
    const conn: FakeConn = {
      id: connId,
      send: (b) => {
        if (!sock.destroyed) sock.write(b);
      },
      drop: () => sock.destroy(),
    };
    let buf: Uint8Array = new Uint8Array(0);
    let shook = false;
    sock.on('data', (d) => {
      buf = B.bytes(buf, d);
      if (!shook) {
        if (buf.length < 20) return;
        buf = buf.subarray(20);
        shook = true;
        conn.send(B.handshakeReply());
      }
      const { requests, rest } = B.parseRequests(buf);
      buf = rest;
      for (const r of requests) {
        if (r.requestId === 3006) conn.send(B.protocolReply(r.streamId, 0x511, opts.protocolFlags ?? 1));
        else if (r.requestId === 3007) conn.send(B.loginReply(r.streamId, Array.from({ length: 16 }, () => connId), security));
        else if (r.requestId === 3000) conn.send(B.text(r.data).startsWith('unix\0') ? B.response(r.streamId, 0) : B.errorReply(r.streamId, 3030, 'bad creds'));
        else if (r.requestId === 3023) conn.send(B.response(r.streamId, 0));
        else {
          state.seen.push({ conn: connId, requestId: r.requestId, path: B.text(r.data) });
          current(r, conn);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as net.AddressInfo).port;
  return state;
}

/** A script answering dirlist/stat from a small in-memory tree. */
export function treeScript(tree: Record<string, { name: string; size: number; isDir: boolean; mtime: number }[]>): Script {
  return (r, c) => {
    const path = B.text(r.data).split('?')[0];
    if (r.requestId === 3004) {
      const list = tree[path];
      if (!list) return c.send(B.errorReply(r.streamId, 3011, `no such directory ${path}`));
      c.send(B.response(r.streamId, 0, [...B.ascii(B.dstatText(list)), 0]));
    } else if (r.requestId === 3017) {
      c.send(B.response(r.streamId, 0, [...B.ascii(B.statLine(1, path in tree, 1700000000)), 0]));
    } else if (r.requestId === 3011) {
      c.send(B.response(r.streamId, 0));
    } else {
      c.send(B.errorReply(r.streamId, 3013, 'unsupported'));
    }
  };
}
