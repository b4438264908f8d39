import type { Hash96 } from './lfn-hash.ts';

/**
 * An open-addressing table keyed by 96-bit LFN hashes, holding a size and eight flag bits per
 * entry in typed arrays: 21 bytes a slot, no object per file. It grows by doubling at 70 % load.
 */
export class HashTable {
  private keys: Uint32Array;
  private sizes: Float64Array;
  private flagBits: Uint8Array;
  /** Optional second number per entry (compare-files keeps the line's file offset there). */
  private aux: Float64Array | undefined;
  private mask: number;
  private count = 0;

  /** `expected` entries fit without growing. */
  constructor(expected = 1 << 15, opts: { withAux?: boolean } = {}) {
    let cap = 1 << 4;
    while (cap * 7 < expected * 10) cap <<= 1;
    this.keys = new Uint32Array(cap * 3);
    this.sizes = new Float64Array(cap);
    this.flagBits = new Uint8Array(cap);
    if (opts.withAux) this.aux = new Float64Array(cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  get capacity(): number {
    return this.mask + 1;
  }

  /** Slot of the key, or -1. */
  find(h: Hash96): number {
    return this.findWords(h[0], h[1], h[2]);
  }

  findWords(h0: number, h1: number, h2: number): number {
    const keys = this.keys;
    let i = h0 & this.mask;
    for (;;) {
      const k = i * 3;
      const k2 = keys[k + 2];
      if (k2 === 0) return -1;
      if (k2 === h2 && keys[k] === h0 && keys[k + 1] === h1) return i;
      i = (i + 1) & this.mask;
    }
  }

  /** True when the last upsert() inserted its key. */
  lastWasNew = false;

  /** Slot of the key, inserting it (size 0, no flags) when absent; see lastWasNew. */
  upsert(h: Hash96): number {
    return this.upsertWords(h[0], h[1], h[2]);
  }

  upsertWords(h0: number, h1: number, h2: number): number {
    if ((this.count + 1) * 10 > this.capacity * 7) this.grow();
    const keys = this.keys;
    let i = h0 & this.mask;
    for (;;) {
      const k = i * 3;
      const k2 = keys[k + 2];
      if (k2 === 0) {
        keys[k] = h0;
        keys[k + 1] = h1;
        keys[k + 2] = h2;
        this.count++;
        this.lastWasNew = true;
        return i;
      }
      if (k2 === h2 && keys[k] === h0 && keys[k + 1] === h1) {
        this.lastWasNew = false;
        return i;
      }
      i = (i + 1) & this.mask;
    }
  }

  flags(slot: number): number {
    return this.flagBits[slot];
  }
  setFlags(slot: number, bits: number): void {
    this.flagBits[slot] |= bits;
  }
  clearFlags(slot: number, bits: number): void {
    this.flagBits[slot] &= ~bits;
  }
  sizeAt(slot: number): number {
    return this.sizes[slot];
  }
  setSize(slot: number, size: number): void {
    this.sizes[slot] = size;
  }
  auxAt(slot: number): number {
    return this.aux![slot];
  }
  setAux(slot: number, value: number): void {
    this.aux![slot] = value;
  }

  /** Calls `fn(slot, flags)` for every occupied slot. */
  forEach(fn: (slot: number, flags: number) => void): void {
    const keys = this.keys;
    for (let i = 0; i <= this.mask; i++) if (keys[i * 3 + 2] !== 0) fn(i, this.flagBits[i]);
  }

  /** Bytes held by the typed arrays. */
  get memoryBytes(): number {
    return this.keys.byteLength + this.sizes.byteLength + this.flagBits.byteLength + (this.aux?.byteLength ?? 0);
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldSizes = this.sizes;
    const oldFlags = this.flagBits;
    const oldAux = this.aux;
    const oldCap = this.mask + 1;
    const cap = oldCap * 2;
    this.keys = new Uint32Array(cap * 3);
    this.sizes = new Float64Array(cap);
    this.flagBits = new Uint8Array(cap);
    if (oldAux) this.aux = new Float64Array(cap);
    this.mask = cap - 1;
    const keys = this.keys;
    for (let j = 0; j < oldCap; j++) {
      const k2 = oldKeys[j * 3 + 2];
      if (k2 === 0) continue;
      const h0 = oldKeys[j * 3];
      let i = h0 & this.mask;
      while (keys[i * 3 + 2] !== 0) i = (i + 1) & this.mask;
      keys[i * 3] = h0;
      keys[i * 3 + 1] = oldKeys[j * 3 + 1];
      keys[i * 3 + 2] = k2;
      this.sizes[i] = oldSizes[j];
      this.flagBits[i] = oldFlags[j];
      if (oldAux) this.aux![i] = oldAux[j];
    }
  }
}
