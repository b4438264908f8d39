import type { Hash96 } from '../core/lfn-hash.ts';

/** Numbers a table keeps per entry besides its key and flags. */
export type ColumnKind = 'f64' | 'u32';
type ColumnOf<T extends ColumnKind> = T extends 'f64' ? Float64Array : Uint32Array;

function allocate(kind: ColumnKind, n: number): Float64Array | Uint32Array {
  return kind === 'f64' ? new Float64Array(n) : new Uint32Array(n);
}

function capacityFor(expected: number): number {
  let cap = 1 << 4;
  while (cap * 7 < expected * 10) cap <<= 1;
  return cap;
}

/**
 * An open-addressing table keyed by 96-bit LFN hashes (linear probing, power-of-two capacity,
 * at most 70 % full), holding eight flag bits and the caller's typed-array columns per entry:
 * no object per file. The check keeps sizes in it, compare keeps sizes and file offsets,
 * compare3 line numbers. A key's third word is never 0 (lfn-hash forces its low bit), which
 * marks empty slots.
 */
export class HashTable<C extends Record<string, ColumnKind> = Record<never, ColumnKind>> {
  keys: Uint32Array;
  flagBits: Uint8Array;
  cols: { [K in keyof C]: ColumnOf<C[K]> };
  /** True when the last upsert() inserted its key. */
  lastWasNew = false;
  private mask: number;
  private count = 0;

  /** `expected` entries fit without growing. */
  constructor(
    expected = 1 << 15,
    private readonly columns: C = {} as C,
  ) {
    const cap = capacityFor(expected);
    this.keys = new Uint32Array(cap * 3);
    this.flagBits = new Uint8Array(cap);
    this.cols = this.allocateColumns(cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  get capacity(): number {
    return this.mask + 1;
  }

  /** Empties the table for about `expected` entries, reusing its arrays when their size suits. */
  reset(expected: number): void {
    const need = capacityFor(expected);
    if (need > this.capacity || need * 8 < this.capacity) {
      this.keys = new Uint32Array(need * 3);
      this.flagBits = new Uint8Array(need);
      this.cols = this.allocateColumns(need);
      this.mask = need - 1;
    } else {
      this.keys.fill(0);
      this.flagBits.fill(0);
    }
    this.count = 0;
  }

  /** Slot of the key, or -1. */
  find(h: Hash96): number {
    return this.findWords(h[0], h[1], h[2]);
  }

  findWords(h0: number, h1: number, h2: number): number {
    const keys = this.keys;
    const mask = this.mask;
    let i = h0 & mask;
    for (;;) {
      const k = i * 3;
      const k2 = keys[k + 2];
      if (k2 === 0) return -1;
      if (k2 === h2 && keys[k] === h0 && keys[k + 1] === h1) return i;
      i = (i + 1) & mask;
    }
  }

  /** Slot of the key, inserting it (zero flags and columns) when absent; see lastWasNew. */
  upsert(h: Hash96): number {
    return this.upsertWords(h[0], h[1], h[2]);
  }

  upsertWords(h0: number, h1: number, h2: number): number {
    if ((this.count + 1) * 10 > this.capacity * 7) this.grow();
    const keys = this.keys;
    const mask = this.mask;
    let i = h0 & mask;
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
      i = (i + 1) & mask;
    }
  }

  flags(slot: number): number {
    return this.flagBits[slot];
  }
  setFlags(slot: number, bits: number): void {
    this.flagBits[slot] |= bits;
  }

  /** Calls `fn(slot, flags)` for every occupied slot. */
  forEach(fn: (slot: number, flags: number) => void): void {
    const keys = this.keys;
    for (let i = 0; i <= this.mask; i++) if (keys[i * 3 + 2] !== 0) fn(i, this.flagBits[i]);
  }

  private allocateColumns(cap: number): { [K in keyof C]: ColumnOf<C[K]> } {
    const out: Record<string, Float64Array | Uint32Array> = {};
    for (const [name, kind] of Object.entries(this.columns)) out[name] = allocate(kind, cap);
    return out as { [K in keyof C]: ColumnOf<C[K]> };
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldFlags = this.flagBits;
    const oldCols = this.cols as Record<string, Float64Array | Uint32Array>;
    const oldCap = this.mask + 1;
    const cap = oldCap * 2;
    this.keys = new Uint32Array(cap * 3);
    this.flagBits = new Uint8Array(cap);
    this.cols = this.allocateColumns(cap);
    this.mask = cap - 1;
    const keys = this.keys;
    const names = Object.keys(oldCols);
    const newCols = this.cols as Record<string, Float64Array | Uint32Array>;
    for (let j = 0; j < oldCap; j++) {
      const k2 = oldKeys[j * 3 + 2];
      if (k2 === 0) continue;
      const h0 = oldKeys[j * 3];
      let i = h0 & this.mask;
      while (keys[i * 3 + 2] !== 0) i = (i + 1) & this.mask;
      keys[i * 3] = h0;
      keys[i * 3 + 1] = oldKeys[j * 3 + 1];
      keys[i * 3 + 2] = k2;
      this.flagBits[i] = oldFlags[j];
      for (const n of names) newCols[n][i] = oldCols[n][j];
    }
  }
}
