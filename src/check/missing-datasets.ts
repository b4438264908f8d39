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

  add(f: InventoryFile): void {
    const key = f.dataset ?? datasetOfLfn(f.lfn) ?? '(no dataset)';
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
