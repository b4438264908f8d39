import { encodeName } from '../../../core/name-bytes.ts';
import { DcError } from '../../../core/errors.ts';
import { REQUEST_HEADER_SIZE } from './xrootd-constants.ts';

/**
 * Writes one client request: the 24-byte header (stream id, request id, 16 parameter bytes,
 * data length) followed by the request data, in a single allocation. Parameter writes are
 * bounds-checked against the 16-byte parameter block so a request encoder cannot spill into dlen.
 */
export class XrootdRequestWriter {
  readonly buf: Buffer;
  private pos = 4;

  constructor(streamId: number, requestId: number, data?: Buffer) {
    if (!Number.isInteger(streamId) || streamId < 0 || streamId > 0xffff) {
      throw new DcError('INTERNAL', `stream id out of range: ${streamId}`);
    }
    const dlen = data ? data.length : 0;
    this.buf = Buffer.alloc(REQUEST_HEADER_SIZE + dlen);
    this.buf.writeUInt16BE(streamId, 0);
    this.buf.writeUInt16BE(requestId, 2);
    this.buf.writeInt32BE(dlen, 20);
    if (data) data.copy(this.buf, REQUEST_HEADER_SIZE);
  }

  private need(n: number): number {
    if (this.pos + n > 20) throw new DcError('INTERNAL', `request parameters overflow the 16-byte block`);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8(v: number): this {
    this.buf[this.need(1)] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.buf.writeUInt16BE(v, this.need(2));
    return this;
  }

  i32(v: number): this {
    this.buf.writeInt32BE(v, this.need(4));
    return this;
  }

  /** Fixed-width field: `value` truncated or NUL-padded to `width` bytes. */
  fixed(value: Buffer, width: number): this {
    const at = this.need(width);
    value.copy(this.buf, at, 0, Math.min(width, value.length));
    return this;
  }

  skip(n: number): this {
    this.need(n);
    return this;
  }

  done(): Buffer {
    return this.buf;
  }
}

/**
 * Request data carrying a path (and CGI): the path's bytes (UTF-8, and a name that is not UTF-8 by
 * its own bytes: src/core/name-bytes.ts), rejected if it holds a NUL.
 */
export function pathData(path: string): Buffer {
  if (path.includes('\0')) throw new DcError('INPUT', `path holds a NUL byte: ${JSON.stringify(path)}`);
  return encodeName(path);
}
