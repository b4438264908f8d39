import { escapeName } from '../core/escape.ts';
import { datasetOfLfn } from '../core/lfn.ts';
import type { InventoryFile } from '../core/entries.ts';

export interface MissingDataset {
  dataset: string;
  files: number;
  bytes: number;
  blocks: Map<string, { files: number; bytes: number }>;
}

/** Missing files counted by dataset and block (SITE_missing_datasets.txt). */
export class MissingDatasetTally {
  private readonly byDataset = new Map<string, MissingDataset>();

  /** `cmsDatasets`: a file the inventory gives no dataset is placed by the CMS LFN convention. */
  constructor(private readonly cmsDatasets = true) {}

  add(f: InventoryFile): void {
    const key = f.dataset ?? (this.cmsDatasets ? datasetOfLfn(f.lfn) : undefined) ?? '(no dataset)';
    let md = this.byDataset.get(key);
    if (!md) this.byDataset.set(key, (md = { dataset: key, files: 0, bytes: 0, blocks: new Map() }));
    md.files++;
    md.bytes += f.size ?? 0; // an unknown size counts as 0 bytes
    const bk = f.block ?? '(no block)';
    const b = md.blocks.get(bk) ?? { files: 0, bytes: 0 };
    b.files++;
    b.bytes += f.size ?? 0;
    md.blocks.set(bk, b);
  }

  /** Largest first, then by name. */
  collect(): MissingDataset[] {
    return [...this.byDataset.values()].sort((a, b) => b.bytes - a.bytes || (a.dataset < b.dataset ? -1 : 1));
  }
}

/** Group shown for a block whose owner is not known (an inventory without groups). */
export const UNKNOWN_GROUP = '-';

/**
 * SITE_missing_datasets.txt in the seed's line format (`'%10i    %-17s  %s#%s'`): one line per
 * block with missing files — the number of them, the group owning the block replica at the site
 * (`Unsubscribed` when none), and `dataset#block`. Datasets with the most missing files first,
 * blocks by name within one. A block name that already starts with `dataset#` (as `import` names
 * them) is not prefixed twice. Names are escaped as in every list (src/core/escape.ts).
 */
export function missingDatasetLines(datasets: readonly MissingDataset[], groupOf: (block: string) => string | undefined): string[] {
  const ordered = [...datasets].sort((a, b) => b.files - a.files || (a.dataset < b.dataset ? -1 : a.dataset > b.dataset ? 1 : 0));
  const out: string[] = [];
  for (const d of ordered) {
    for (const block of [...d.blocks.keys()].sort()) {
      const short = block.startsWith(d.dataset + '#') ? block.slice(d.dataset.length + 1) : block;
      const group = escapeName(groupOf(block) ?? UNKNOWN_GROUP);
      out.push(`${String(d.blocks.get(block)!.files).padStart(10)}    ${group.padEnd(17)}  ${escapeName(d.dataset)}#${escapeName(short)}`);
    }
  }
  return out;
}
