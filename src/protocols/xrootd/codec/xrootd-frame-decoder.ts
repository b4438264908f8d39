import { DcError } from '../../../core/errors.ts';
import { isKnownStatus, RESPONSE_HEADER_SIZE } from './xrootd-constants.ts';

/** One server response frame (XProtocol.hh `ServerResponseHeader` + its body). */
export interface XrootdFrame {
  streamId: number;
  status: number;
  /** The body; it may share memory with the socket chunk it arrived in, so copy before keeping. */
  body: Buffer;
}

/** Bodies larger than this are refused: a server sends big replies as kXR_oksofar chunks. */
export const DEFAULT_MAX_FRAME = 32 * 1024 * 1024;

/**
 * Splits a byte stream into response frames. Pure: it never touches a socket. Frames that lie
 * whole inside a chunk are handed out as views (no copy); a frame spanning chunks is assembled in
 * one buffer of exactly its size, so a large oksofar chunk is copied once, not re-concatenated.
 * The handshake reply has the same 8-byte header shape (stream id 0, dlen 8) and comes out as an
 * ordinary frame. Throws `DcError('PROTOCOL')` on an unknown status or an absurd length; after
 * that the stream is out of sync and the decoder must not be fed again.
 */
export class XrootdFrameDecoder {
  private readonly header = Buffer.alloc(RESPONSE_HEADER_SIZE);
  private headerFill = 0;
  private body: Buffer | undefined;
  private bodyFill = 0;
  private streamId = 0;
  private status = 0;
  private broken: DcError | undefined;

  constructor(private readonly maxFrame = DEFAULT_MAX_FRAME) {}

  /** True when no partial frame is held (a clean point to close the stream). */
  get idle(): boolean {
    return this.headerFill === 0 && this.body === undefined;
  }

  /** Feeds one chunk; calls `onFrame` for each frame completed by it, in order. */
  push(chunk: Buffer, onFrame: (f: XrootdFrame) => void): void {
    if (this.broken) throw this.broken;
    let pos = 0;
    const len = chunk.length;
    while (pos < len) {
      if (this.body !== undefined) {
        const n = Math.min(this.body.length - this.bodyFill, len - pos);
        chunk.copy(this.body, this.bodyFill, pos, pos + n);
        this.bodyFill += n;
        pos += n;
        if (this.bodyFill === this.body.length) {
          const body = this.body;
          this.body = undefined;
          onFrame({ streamId: this.streamId, status: this.status, body });
        }
        continue;
      }
      let dlen: number;
      if (this.headerFill === 0 && len - pos >= RESPONSE_HEADER_SIZE) {
        dlen = this.readHeader(chunk, pos);
        pos += RESPONSE_HEADER_SIZE;
        if (len - pos >= dlen) {
          const body = chunk.subarray(pos, pos + dlen);
          pos += dlen;
          onFrame({ streamId: this.streamId, status: this.status, body });
          continue;
        }
      } else {
        const n = Math.min(RESPONSE_HEADER_SIZE - this.headerFill, len - pos);
        chunk.copy(this.header, this.headerFill, pos, pos + n);
        this.headerFill += n;
        pos += n;
        if (this.headerFill < RESPONSE_HEADER_SIZE) return;
        this.headerFill = 0;
        dlen = this.readHeader(this.header, 0);
      }
      if (dlen === 0) {
        onFrame({ streamId: this.streamId, status: this.status, body: Buffer.alloc(0) });
        continue;
      }
      this.body = Buffer.allocUnsafe(dlen);
      this.bodyFill = 0;
    }
  }

  private readHeader(buf: Buffer, at: number): number {
    this.streamId = buf.readUInt16BE(at);
    this.status = buf.readUInt16BE(at + 2);
    const dlen = buf.readInt32BE(at + 4);
    if (!isKnownStatus(this.status)) {
      this.broken = new DcError('PROTOCOL', `unknown response status ${this.status} on stream ${this.streamId}`, {
        detail: { status: this.status, streamId: this.streamId },
      });
      throw this.broken;
    }
    if (dlen < 0 || dlen > this.maxFrame) {
      this.broken = new DcError('PROTOCOL', `response body length ${dlen} out of range (max ${this.maxFrame})`, {
        detail: { dlen, streamId: this.streamId, status: this.status },
      });
      throw this.broken;
    }
    return dlen;
  }
}
