/**
 * The per-partition table of compare3: 96-bit keys, eight flag bits and a line number per slot,
 * in typed arrays (17 bytes a slot), reused from one partition to the next (clear(), no
 * reallocation unless a partition needs more room). Keys come straight from the records of the
 * partition files: h0, h1, h2 with h2's low bit forced to 1 (0 marks an empty slot).
 */
export class Compare3Table {
  keys: Uint32Array;
  flags: Uint8Array;
  lines: Uint32Array;
  private mask: number;
  private count = 0;
  /** True when the last upsert() inserted its key. */
  lastWasNew = false;

  constructor(capacity = 1 << 16) {
    const cap = pow2(capacity);
    this.keys = new Uint32Array(cap * 3);
    this.flags = new Uint8Array(cap);
    this.lines = new Uint32Array(cap);
    this.mask = cap - 1;
  }

  get capacity(): number {
    return this.mask + 1;
  }

  get size(): number {
    return this.count;
  }

  /** Empties the table, making room for at least `expected` keys at 70 % load. */
  reset(expected: number): void {
    const need = pow2(Math.ceil(expected / 0.7) + 1);
    if (need > this.capacity || need * 8 < this.capacity) {
      this.keys = new Uint32Array(need * 3);
      this.flags = new Uint8Array(need);
      this.lines = new Uint32Array(need);
      this.mask = need - 1;
    } else {
      this.keys.fill(0);
      this.flags.fill(0);
    }
    this.count = 0;
  }

  find(h0: number, h1: number, h2: number): number {
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

  upsert(h0: number, h1: number, h2: number): number {
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

  private grow(): void {
    const { keys: oldKeys, flags: oldFlags, lines: oldLines } = this;
    const oldCap = this.capacity;
    const cap = oldCap * 2;
    this.keys = new Uint32Array(cap * 3);
    this.flags = new Uint8Array(cap);
    this.lines = new Uint32Array(cap);
    this.mask = cap - 1;
    for (let j = 0; j < oldCap; j++) {
      const k2 = oldKeys[j * 3 + 2];
      if (k2 === 0) continue;
      let i = oldKeys[j * 3] & this.mask;
      while (this.keys[i * 3 + 2] !== 0) i = (i + 1) & this.mask;
      this.keys[i * 3] = oldKeys[j * 3];
      this.keys[i * 3 + 1] = oldKeys[j * 3 + 1];
      this.keys[i * 3 + 2] = k2;
      this.flags[i] = oldFlags[j];
      this.lines[i] = oldLines[j];
    }
  }
}

function pow2(n: number): number {
  let c = 16;
  while (c < n) c *= 2;
  return c;
}
