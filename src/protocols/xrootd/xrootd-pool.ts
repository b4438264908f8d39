import { DcError } from '../../core/errors.ts';
import { XrootdConnection, type ConnectionOptions } from './xrootd-connection.ts';
import type { SetupOptions, TlsMode } from './xrootd-session-setup.ts';

/** Where a request goes: a server, how it wants TLS, and the login CGI a redirect handed us. */
export interface XrootdEndpoint {
  host: string;
  port: number;
  tlsMode: TlsMode;
  loginCgi?: string;
}

export function endpointKey(ep: XrootdEndpoint): string {
  return `${ep.host}|${ep.port}|${ep.tlsMode}|${ep.loginCgi ?? ''}`;
}

export interface PoolOptions extends Omit<SetupOptions, 'tlsMode' | 'loginCgi'> {
  /** Connections to one endpoint at most. */
  connectionsPerHost: number;
  /** Open another connection once every open one carries this many requests. */
  spreadAt: number;
  connectTimeoutMs: number;
  maxInFlightPerConnection?: number;
  maxFrame?: number;
}

interface HostSlot {
  conns: XrootdConnection[];
  connecting: Set<Promise<XrootdConnection>>;
}

/**
 * Connections per endpoint, with a limit (undici's pool in spirit). A request takes the least
 * loaded live connection; a new one is opened only when all carry `spreadAt` requests. A dead
 * connection leaves the pool by itself (its `onDown`), so the next request reconnects.
 */
export class XrootdPool {
  private readonly slots = new Map<string, HostSlot>();
  private closed = false;
  /** Fires on close/destroy: connections still being set up are dropped, not waited for. */
  private readonly closing = new AbortController();

  constructor(private readonly opts: PoolOptions) {}

  async acquire(ep: XrootdEndpoint): Promise<XrootdConnection> {
    const key = endpointKey(ep);
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { conns: [], connecting: new Set() };
      this.slots.set(key, slot);
    }
    for (;;) {
      if (this.closed) throw new DcError('ABORTED', 'XRootD client is closed');
      let best: XrootdConnection | undefined;
      for (const c of slot.conns) if (c.hasRoom && (!best || c.inFlight < best.inFlight)) best = c;
      const total = slot.conns.length + slot.connecting.size;
      const max = Math.max(1, this.opts.connectionsPerHost);
      if (best && (best.inFlight < this.opts.spreadAt || total >= max)) return best;
      if (total < max) {
        const p = this.connect(ep, slot);
        if (best) {
          p.catch(() => {});
          return best;
        }
        return await p;
      }
      if (slot.connecting.size === 0) throw new DcError('IO', `no free request slot towards ${ep.host}:${ep.port}`);
      await Promise.race(slot.connecting);
    }
  }

  private connect(ep: XrootdEndpoint, slot: HostSlot): Promise<XrootdConnection> {
    const copts: ConnectionOptions = {
      ...this.opts,
      host: ep.host,
      port: ep.port,
      tlsMode: ep.tlsMode,
      loginCgi: ep.loginCgi,
      maxInFlight: this.opts.maxInFlightPerConnection,
      setupSignal: this.closing.signal,
      onDown: (c) => {
        const i = slot.conns.indexOf(c);
        if (i !== -1) slot.conns.splice(i, 1);
      },
    };
    const p = XrootdConnection.open(copts).then((c) => {
      if (this.closed) {
        c.destroy();
        throw new DcError('ABORTED', 'XRootD client is closed');
      }
      if (c.alive) slot.conns.push(c);
      return c;
    });
    slot.connecting.add(p);
    const forget = () => slot.connecting.delete(p);
    p.then(forget, forget);
    return p;
  }

  /** Ends every session politely. */
  async close(): Promise<void> {
    this.closed = true;
    this.closing.abort();
    const all = [...this.slots.values()].flatMap((s) => s.conns);
    this.slots.clear();
    await Promise.all(all.map((c) => c.close()));
  }

  /** Drops every connection at once, failing what is in flight. */
  destroy(): void {
    this.closed = true;
    this.closing.abort();
    for (const s of this.slots.values()) for (const c of s.conns) c.destroy(new DcError('ABORTED', 'XRootD client destroyed'));
    this.slots.clear();
  }
}
