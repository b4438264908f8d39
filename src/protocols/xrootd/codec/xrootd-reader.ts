import { DcError } from '../../../core/errors.ts';

/**
 * Bounds-checked big-endian reader over one response body. Every read past the end throws
 * `DcError('PROTOCOL')` naming what was being decoded, so a short or garbled frame becomes a typed
 * error instead of `RangeError` or silently read zeros (go-hep's reader has no such checks).
 */
export class XrootdReader {
  private pos: number;
  constructor(
    private readonly buf: Buffer,
    private readonly what: string,
    start = 0,
    private readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number): number {
    if (this.end - this.pos < n) {
      throw new DcError('PROTOCOL', `truncated ${this.what}: needs ${n} more byte(s) at offset ${this.pos}, has ${this.end - this.pos}`, {
        detail: { what: this.what, offset: this.pos, needed: n },
      });
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8(): number {
    return this.buf[this.need(1)];
  }

  u16(): number {
    return this.buf.readUInt16BE(this.need(2));
  }

  i32(): number {
    return this.buf.readInt32BE(this.need(4));
  }

  u32(): number {
    return this.buf.readUInt32BE(this.need(4));
  }

  bytes(n: number): Buffer {
    const at = this.need(n);
    return this.buf.subarray(at, at + n);
  }

  /** Everything left, without copying. */
  rest(): Buffer {
    return this.bytes(this.end - this.pos);
  }

  /** Text up to a NUL byte or the end of the body; a trailing NUL is consumed, not returned. */
  text(): string {
    const nul = this.buf.indexOf(0, this.pos);
    const stop = nul === -1 || nul >= this.end ? this.end : nul;
    const s = this.buf.toString('utf8', this.pos, stop);
    this.pos = stop === this.end ? this.end : stop + 1;
    return s;
  }
}
