import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { InventoryFile } from '../../core/entries.ts';
import { DcError } from '../../core/errors.ts';
import { detectListFormat, streamListEntries, UNKNOWN_SIZE, type DetectedFormat, type ListEntry, type ListFormat } from '../../core/list-format.ts';
import type { Inventory } from '../inventory.ts';

const BATCH = 5000;
const SITE = '{site}';

/**
 * An inventory read from dump files (`Inventory: { Type: "dump", Path, Format? }`), plain or gzip,
 * streamed, through the shared list reader (src/core/list-format.ts): Rucio replica dumps
 * (`rucio-dump`), `lfn size [settled|flux]` lists (`lfn-size`) or bare LFNs (`paths`, sizes
 * unknown: never a size mismatch). The format is `Format` when given, else detected once per file
 * from its first lines (`formatOf` tells which). `Path` may hold `{site}` (one dump per site);
 * without it, one file serves every site and a Rucio dump's rows are kept when their `rse`
 * column is the site. Dumps know no datasets: protection and queued deletions come from queue
 * sources (withQueues). A malformed line fails the read with the file and line number.
 */
export class DumpInventory implements Inventory {
  readonly kind = 'dump';

  private readonly detected = new Map<string, DetectedFormat>();

  constructor(
    private readonly pathTemplate: string,
    private readonly format?: ListFormat,
  ) {}

  /** The format of the dump at `path`: declared, or detected from its first lines (once). */
  async formatOf(path: string): Promise<DetectedFormat> {
    if (this.format) return { format: this.format, how: 'declared (Inventory.Format)' };
    let d = this.detected.get(path);
    if (!d) this.detected.set(path, (d = await detectListFormat(path)));
    return d;
  }

  private pathFor(site: string): string {
    return this.pathTemplate.split(SITE).join(site);
  }

  private get perSite(): boolean {
    return this.pathTemplate.includes(SITE);
  }

  async *streamFiles(site: string, signal?: AbortSignal): AsyncIterable<InventoryFile[]> {
    let out: InventoryFile[] = [];
    for await (const row of this.rows(this.pathFor(site), signal)) {
      if (!this.perSite && row.rse !== '' && row.rse !== site) continue;
      out.push({ lfn: row.name, size: row.size === UNKNOWN_SIZE ? null : row.size, settled: row.settled });
      if (out.length >= BATCH) {
        yield out;
        out = [];
      }
    }
    if (out.length) yield out;
  }

  private async *rows(path: string, signal?: AbortSignal): AsyncGenerator<ListEntry> {
    const { format } = await this.formatOf(path);
    for await (const batch of streamListEntries(path, format, undefined, signal)) yield* batch;
  }

  async collectProtectedDatasets(): Promise<Set<string> | undefined> {
    return undefined;
  }

  async collectQueuedDeletions(): Promise<Set<string>> {
    return new Set();
  }

  /**
   * With `{site}` in the file name: the sites whose dump exists. Otherwise the `rse` values of a
   * Rucio dump (one pass over it); a plain list names no site.
   */
  async collectSites(): Promise<string[]> {
    if (this.perSite) {
      if (dirname(this.pathTemplate).includes(SITE)) throw new DcError('UNSUPPORTED', `Inventory.Path ${this.pathTemplate}: {site} may only appear in the file name`);
      const [pre, ...rest] = basename(this.pathTemplate).split(SITE);
      const post = rest.join(SITE);
      let names: string[];
      try {
        names = await readdir(dirname(this.pathTemplate));
      } catch (err) {
        throw new DcError('INPUT', `${dirname(this.pathTemplate)}: cannot list dump directory (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
      }
      return names
        .filter((n) => n.startsWith(pre) && n.endsWith(post) && n.length > pre.length + post.length)
        .map((n) => n.slice(pre.length, n.length - post.length))
        .filter((site) => join(dirname(this.pathTemplate), pre + site + post) === this.pathFor(site))
        .sort();
    }
    const sites = new Set<string>();
    for await (const row of this.rows(this.pathTemplate)) if (row.rse !== '') sites.add(row.rse);
    return [...sites].sort();
  }

  async close(): Promise<void> {}
}
