import net from 'node:net';
import tls from 'node:tls';
import { DcError } from '../../core/errors.ts';
import { Attn, Status } from './codec/xrootd-constants.ts';
import { XrootdFrameDecoder, type XrootdFrame } from './codec/xrootd-frame-decoder.ts';
import { decodeAttn, decodeWaitresp } from './codec/xrootd-responses.ts';
import { encodeEndsess } from './codec/requests/xrootd-endsess.ts';
import { XrootdStreamMux } from './xrootd-stream-mux.ts';
import { runSessionSetup, type SessionInfo, type SetupOptions } from './xrootd-session-setup.ts';

/** Receives the responses of one request. Called from the socket's data handler: must not throw. */
export interface ResponseHandler {
  /** A kXR_oksofar chunk: more follows. The body is a view; decode or copy it now. */
  partial(body: Buffer): void;
  /** The last response: ok, error, redirect, wait, authmore. */
  final(status: number, body: Buffer): void;
  /** kXR_waitresp: the answer will come within `seconds` through kXR_attn. */
  waitresp?(seconds: number): void;
  /** The connection failed (IO) or spoke garbage (PROTOCOL): no response will come. */
  fail(err: DcError): void;
}

export interface ConnectionOptions extends SetupOptions {
  host: string;
  port: number;
  connectTimeoutMs: number;
  /** Gives up the set-up (connect, handshake, login) when it fires: the pool closing. */
  setupSignal?: AbortSignal;
  /** Requests in flight on this connection at most. */
  maxInFlight?: number;
  maxFrame?: number;
  /** Called once when the connection goes down for any reason. */
  onDown?: (conn: XrootdConnection, err: DcError | undefined) => void;
}

const SINK: ResponseHandler = { partial() {}, final() {}, fail() {} };

/**
 * One TCP (or TLS) connection to one server. It only moves bytes and routes frames: the codec
 * decodes, the client decides what a response means. Nothing throws out of a socket handler: a
 * decoding error or a handler bug fails every pending request with a typed error and destroys
 * the socket; the owner learns through `onDown` and opens a new connection.
 */
export class XrootdConnection {
  private readonly mux: XrootdStreamMux<ResponseHandler>;
  private socket: net.Socket;
  /** The socket is corked until the end of this tick (send). */
  private corked = false;
  private decoder: XrootdFrameDecoder;
  private down: DcError | undefined;
  private isDown = false;
  private lastDataAt = Date.now();
  session: SessionInfo | undefined;

  private constructor(
    socket: net.Socket,
    private readonly opts: ConnectionOptions,
  ) {
    this.socket = socket;
    this.mux = new XrootdStreamMux(opts.maxInFlight ?? 0xffff);
    this.decoder = new XrootdFrameDecoder(opts.maxFrame);
  }

  get key(): string {
    return `${this.opts.host}:${this.opts.port}`;
  }

  get inFlight(): number {
    return this.mux.size;
  }

  get alive(): boolean {
    return !this.isDown;
  }

  get hasRoom(): boolean {
    return !this.isDown && !this.mux.full;
  }

  /** Connects, runs handshake, protocol (with TLS upgrade), login and auth; then routes frames. */
  static async open(opts: ConnectionOptions): Promise<XrootdConnection> {
    const raw = net.connect({ host: opts.host, port: opts.port, noDelay: true });
    const conn = new XrootdConnection(raw, opts);
    const where = `${opts.host}:${opts.port}`;
    const timer = setTimeout(() => conn.destroy(new DcError('TIMEOUT', `connecting to ${where} took over ${opts.connectTimeoutMs} ms`)), opts.connectTimeoutMs);
    const onGiveUp = () => conn.destroy(new DcError('ABORTED', `connecting to ${where}: the client was closed`));
    if (opts.setupSignal?.aborted) onGiveUp();
    opts.setupSignal?.addEventListener('abort', onGiveUp, { once: true });
    try {
      await new Promise<void>((resolve, reject) => {
        raw.once('connect', resolve);
        raw.once('error', (e) => reject(new DcError('IO', `connecting to ${where}: ${e.message}`, { cause: e, detail: { errno: (e as NodeJS.ErrnoException).code } })));
        raw.once('close', () => reject(conn.down ?? new DcError('IO', `connection to ${where} closed while connecting`)));
      });
      const io = conn.setupIo();
      try {
        conn.session = await runSessionSetup(io, opts);
      } finally {
        io.done();
      }
    } catch (err) {
      const e = err instanceof DcError ? err : new DcError('IO', `connecting to ${where}: ${String(err)}`, { cause: err });
      conn.destroy(conn.down ?? e);
      throw conn.down ?? e;
    } finally {
      clearTimeout(timer);
      opts.setupSignal?.removeEventListener('abort', onGiveUp);
    }
    conn.attach();
    return conn;
  }

  /** Frame-at-a-time I/O for the setup phase, before the multiplexer takes over the socket. */
  private setupIo() {
    const queue: XrootdFrame[] = [];
    let waiter: { resolve: (f: XrootdFrame) => void; reject: (e: DcError) => void } | undefined;
    let failure: DcError | undefined;
    const failWith = (e: DcError) => {
      failure ??= e;
      waiter?.reject(failure);
      waiter = undefined;
    };
    const onData = (chunk: Buffer) => {
      try {
        // Setup frames are small and few: copy them so the queue does not pin socket chunks.
        this.decoder.push(chunk, (f) => queue.push({ ...f, body: Buffer.from(f.body) }));
      } catch (e) {
        failWith(e instanceof DcError ? e : new DcError('PROTOCOL', String(e)));
        return;
      }
      if (waiter && queue.length) {
        const w = waiter;
        waiter = undefined;
        w.resolve(queue.shift()!);
      }
    };
    const onClose = () => failWith(this.down ?? new DcError('IO', `connection to ${this.key} closed during login`));
    const onError = (e: Error) => failWith(new DcError('IO', `connection to ${this.key}: ${e.message}`, { cause: e }));
    const listen = (s: net.Socket) => {
      s.on('data', onData);
      s.on('close', onClose);
      s.on('error', onError);
    };
    const unlisten = (s: net.Socket) => {
      s.off('data', onData);
      s.off('close', onClose);
      s.off('error', onError);
    };
    listen(this.socket);
    return {
      write: (b: Buffer) => {
        this.socket.write(b);
      },
      next: (): Promise<XrootdFrame> => {
        if (queue.length) return Promise.resolve(queue.shift()!);
        if (failure) return Promise.reject(failure);
        return new Promise((resolve, reject) => (waiter = { resolve, reject }));
      },
      /** Wraps the socket in TLS in place (kXR_gotoTLS / kXR_wantTLS). */
      startTls: async (options: tls.ConnectionOptions): Promise<void> => {
        if (!this.decoder.idle || queue.length) throw new DcError('PROTOCOL', 'server sent data before the TLS upgrade');
        unlisten(this.socket);
        // The certificate is checked against the host we dialled (an IP SAN for bare addresses).
        const host = this.opts.host;
        const secure = tls.connect({ host, servername: net.isIP(host) ? undefined : host, ...options, socket: this.socket });
        this.socket = secure;
        await new Promise<void>((resolve, reject) => {
          secure.once('secureConnect', resolve);
          secure.once('error', (e) => reject(new DcError('IO', `TLS with ${this.key}: ${e.message}`, { cause: e })));
        });
        listen(secure);
      },
      done: () => unlisten(this.socket),
    };
  }

  /** Milliseconds since the server last sent this connection a byte. */
  silentMs(): number {
    return Date.now() - this.lastDataAt;
  }

  private attach(): void {
    const s = this.socket;
    this.lastDataAt = Date.now();
    s.on('data', (chunk: Buffer) => {
      this.lastDataAt = Date.now();
      try {
        this.decoder.push(chunk, (f) => this.route(f.streamId, f.status, f.body));
      } catch (err) {
        this.destroy(err instanceof DcError ? err : new DcError('PROTOCOL', `decoding a response from ${this.key}: ${String(err)}`, { cause: err }));
      }
    });
    s.on('error', (e) => this.destroy(new DcError('IO', `connection to ${this.key}: ${e.message}`, { cause: e, detail: { errno: (e as NodeJS.ErrnoException).code } })));
    s.on('close', () => this.destroy(new DcError('IO', `connection to ${this.key} closed by the server`)));
  }

  private route(streamId: number, status: number, body: Buffer): void {
    if (status === Status.attn) {
      const attn = decodeAttn(body);
      if (attn.kind === 'asynresp') {
        this.route(attn.streamId, attn.status, attn.body);
      } else if (attn.action === Attn.asyncdi || attn.action === Attn.asyncab) {
        throw new DcError('IO', `server ${this.key} asked us to disconnect (attn ${attn.action})`);
      }
      // Other unsolicited messages (asyncms, asyncav, …) carry nothing a lister acts on.
      return;
    }
    const h = this.mux.get(streamId);
    if (!h) throw new DcError('PROTOCOL', `response for unknown stream ${streamId} from ${this.key}`, { detail: { streamId, status } });
    if (status === Status.oksofar) {
      this.call(streamId, () => h.partial(body));
    } else if (status === Status.waitresp) {
      const { seconds } = decodeWaitresp(body);
      this.call(streamId, () => h.waitresp?.(seconds));
    } else {
      this.mux.release(streamId);
      this.call(streamId, () => h.final(status, body));
    }
  }

  /** Runs a handler callback; a throwing handler fails its own request, not the connection. */
  private call(streamId: number, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      const h = this.mux.release(streamId);
      h?.fail(new DcError('INTERNAL', `response handler failed: ${String(err)}`, { cause: err }));
      if (h) this.mux.replace(streamId, SINK);
    }
  }

  /**
   * Sends one request. `encode` gets the stream id and returns the request bytes. Throws IO when
   * the connection is down, and `undefined` is never returned: callers check `hasRoom` first.
   */
  send(encode: (streamId: number) => Buffer, handler: ResponseHandler): number {
    if (this.isDown) throw this.down ?? new DcError('IO', `connection to ${this.key} is closed`);
    const id = this.mux.allocate(handler);
    if (id === undefined) throw new DcError('INTERNAL', `no free stream id on ${this.key}`);
    let bytes: Buffer;
    try {
      bytes = encode(id);
    } catch (err) {
      this.mux.release(id);
      throw err;
    }
    // Requests sent in the same tick (a walker refilling its level) leave in one writev, not one
    // syscall each: the socket is corked until the tick's work is done.
    if (!this.corked) {
      const socket = this.socket;
      this.corked = true;
      socket.cork();
      process.nextTick(() => {
        this.corked = false;
        socket.uncork();
      });
    }
    this.socket.write(bytes);
    return id;
  }

  /** Forgets a request (timeout, abort). Its id stays taken until the late reply arrives. */
  abandon(streamId: number, handler: ResponseHandler): void {
    if (this.mux.get(streamId) === handler) this.mux.replace(streamId, SINK);
  }

  /** Fails every pending request with `err` and destroys the socket. Idempotent. */
  destroy(err?: DcError): void {
    if (this.isDown) return;
    this.isDown = true;
    this.down = err ?? new DcError('IO', `connection to ${this.key} closed`);
    this.socket.destroy();
    for (const h of this.mux.drain()) {
      try {
        h.fail(this.down);
      } catch {
        // A failing fail() callback has nobody left to tell; the request is already lost.
      }
    }
    this.opts.onDown?.(this, err);
  }

  /** Ends the session politely (kXR_endsess, best effort within `graceMs`), then closes. */
  async close(graceMs = 500): Promise<void> {
    if (this.isDown) return;
    const sid = this.session?.sessionId;
    if (sid && !this.mux.full) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, graceMs);
        const done = () => {
          clearTimeout(t);
          resolve();
        };
        try {
          this.send((id) => encodeEndsess(id, sid), { partial() {}, final: done, fail: done });
        } catch {
          done();
        }
      });
    }
    this.destroy(new DcError('IO', `connection to ${this.key} closed by the client`));
  }
}
