/**
 * Stream ids of one connection: the 2-byte tag that pairs a response with its request, so many
 * requests can be in flight at once. Id 0 is never handed out: the handshake reply and kXR_attn
 * use it. Ids are taken round-robin so a just-released id (whose late reply might still be on the
 * wire after a timeout) is not reused at once.
 */
export class XrootdStreamMux<T> {
  private readonly slots = new Map<number, T>();
  private next = 1;

  constructor(private readonly capacity = 0xffff) {
    if (capacity < 1 || capacity > 0xffff) throw new RangeError(`stream capacity out of range: ${capacity}`);
  }

  get size(): number {
    return this.slots.size;
  }

  get full(): boolean {
    return this.slots.size >= this.capacity;
  }

  /** Binds `value` to a free id and returns it, or undefined when every id is taken. */
  allocate(value: T): number | undefined {
    if (this.full) return undefined;
    for (;;) {
      const id = this.next;
      this.next = id === 0xffff ? 1 : id + 1;
      if (!this.slots.has(id)) {
        this.slots.set(id, value);
        return id;
      }
    }
  }

  get(id: number): T | undefined {
    return this.slots.get(id);
  }

  /** Rebinds a taken id (e.g. to a sink that swallows the late reply of an abandoned request). */
  replace(id: number, value: T): void {
    if (this.slots.has(id)) this.slots.set(id, value);
  }

  release(id: number): T | undefined {
    const v = this.slots.get(id);
    this.slots.delete(id);
    return v;
  }

  /** Empties the table and returns what was bound, for failing every pending request at once. */
  drain(): T[] {
    const all = [...this.slots.values()];
    this.slots.clear();
    return all;
  }
}
