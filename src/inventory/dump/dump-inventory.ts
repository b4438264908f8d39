import { unescapeName } from '../../core/escape.ts';
import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { InventoryFile } from '../../core/entries.ts';
import { DcError } from '../../core/errors.ts';
import type { Inventory } from '../inventory.ts';
import { detectFormat, parsePlainLine, parseRucioLine, type DumpFormat, type DumpRow } from './dump-format.ts';
import { streamLineBatches } from './dump-lines.ts';

const BATCH = 5000;
const SITE = '{site}';

/**
 * An inventory read from dump files (`Inventory: { Type: "dump", Path }`): Rucio replica dumps or
 * plain LFN lists, plain or gzip, streamed. `Path` may hold `{site}` (one dump per site);
 * without it, one file serves every site and a Rucio dump's rows are kept when their `rse`
 * column is the site. Dumps know no datasets: protection and queued deletions come from queue
 * sources (withQueues). A malformed line fails the read with the file and line number.
 */
export class DumpInventory implements Inventory {
  readonly kind = 'dump';

  constructor(private readonly pathTemplate: string) {}

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
      // Names as lists write them (src/core/escape.ts): `\xHH` is a byte, so a list written by the tool reads back byte-exact.
      out.push({ lfn: unescapeName(row.lfn), size: row.size, settled: row.settled });
      if (out.length >= BATCH) {
        yield out;
        out = [];
      }
    }
    if (out.length) yield out;
  }

  private async *rows(path: string, signal?: AbortSignal): AsyncGenerator<DumpRow> {
    let format: DumpFormat | undefined;
    for await (const { lines, firstLine } of streamLineBatches(path)) {
      if (signal?.aborted) throw new DcError('ABORTED', 'inventory read aborted');
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i];
        if (line === '') continue;
        format ??= detectFormat(line);
        yield format === 'rucio' ? parseRucioLine(line, path, firstLine + i) : parsePlainLine(line, path, firstLine + i);
      }
    }
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
