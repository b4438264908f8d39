import { datasetOfLfn } from '../../core/lfn.ts';
import { DcError } from '../../core/errors.ts';
import type { QueueSource } from '../inventory-queues.ts';
import { streamLines } from '../../core/line-reader.ts';
import { decodeName } from '../../core/name-bytes.ts';

const SITE = '{site}';
const DATASET = /^\/[^/]+\/[^/]+\/[^/]+$/;

/**
 * Queued deletions and pending transfers from plain files, for deployments without Dynamo's
 * registry. One entry a line: `NAME` or `SITE<TAB>NAME`, where NAME is an LFN (its dataset is
 * taken by the CMS convention) or a dataset name `/Primary/Processed/TIER`. Lines starting with
 * `#` are comments. A path holding `{site}` is read per site, and a site without such a file has
 * empty queues; a path without `{site}` must exist, and its untagged lines apply to every site.
 */
export class FileQueueSource implements QueueSource {
  readonly description: string;

  constructor(private readonly files: { deletions?: string; transfers?: string }) {
    this.description = `files ${[files.deletions, files.transfers].filter(Boolean).join(', ')}`;
  }

  collectQueuedDeletions(site: string): Promise<Set<string>> {
    return this.read(this.files.deletions, site);
  }

  collectPendingTransfers(site: string): Promise<Set<string>> {
    return this.read(this.files.transfers, site);
  }

  private async read(template: string | undefined, site: string): Promise<Set<string>> {
    const out = new Set<string>();
    if (!template) return out;
    const path = template.split(SITE).join(site);
    try {
      for await (const { buf, starts, ends, firstLine } of streamLines(path)) {
        for (let i = 0; i < starts.length; i++) {
          const line = decodeName(buf, starts[i], ends[i]).trim();
          if (line === '' || line.startsWith('#')) continue;
          const tab = line.indexOf('\t');
          const lineSite = tab >= 0 ? line.slice(0, tab) : undefined;
          const name = tab >= 0 ? line.slice(tab + 1).trim() : line;
          if (!name.startsWith('/')) throw new DcError('INPUT', `${path}:${firstLine + i}: expected an LFN or a dataset name starting with "/"`);
          if (lineSite !== undefined && lineSite !== site) continue;
          const ds = DATASET.test(name) ? name : datasetOfLfn(name);
          if (ds) out.add(ds);
        }
      }
    } catch (err) {
      if (err instanceof DcError && err.code === 'NOT_FOUND' && template.includes(SITE)) return out;
      throw err;
    }
    return out;
  }
}
