import type { InventoryFile } from '../core/entries.ts';
import type { Inventory, StreamFilesOptions } from './inventory.ts';

/**
 * Where queued deletions and pending transfers come from, besides the inventory's own tables:
 * Dynamo's registry (`deletion_queue`, `transfer_queue`) or plain files. Both answer with dataset
 * names, the granularity SEMANTICS.md filters by.
 */
export interface QueueSource {
  /** For messages: "registry tables", "file /path/deletions.txt". */
  readonly description: string;
  /** Datasets with a file deletion queued at the site: neither missing nor acted on. */
  collectQueuedDeletions(site: string): Promise<Set<string>>;
  /** Datasets with a transfer pending to the site: their files are never orphans. */
  collectPendingTransfers(site: string): Promise<Set<string>>;
}

/**
 * An inventory whose protected datasets and queued deletions also include the queue sources'.
 * A backend that knows no datasets (dumps, generic SQL) reports "protected" only when a source
 * gives pending transfers; then SEMANTICS.md's rule for dataset-aware backends applies to it.
 */
export class QueueFilteredInventory implements Inventory {
  readonly kind: string;
  readonly snapshotReads: boolean;

  constructor(
    private readonly base: Inventory,
    private readonly sources: readonly QueueSource[],
  ) {
    this.kind = base.kind;
    this.snapshotReads = base.snapshotReads === true;
  }

  streamFiles(site: string, signal?: AbortSignal, opts?: StreamFilesOptions): AsyncIterable<InventoryFile[]> {
    return this.base.streamFiles(site, signal, opts);
  }

  async collectProtectedDatasets(site: string): Promise<Set<string> | undefined> {
    let out = await this.base.collectProtectedDatasets(site);
    for (const s of this.sources) {
      const pending = await s.collectPendingTransfers(site);
      if (pending.size === 0) continue;
      out ??= new Set();
      for (const d of pending) out.add(d);
    }
    return out;
  }

  async collectQueuedDeletions(site: string): Promise<Set<string>> {
    const out = await this.base.collectQueuedDeletions(site);
    for (const s of this.sources) for (const d of await s.collectQueuedDeletions(site)) out.add(d);
    return out;
  }

  collectSites(): Promise<string[]> {
    return this.base.collectSites();
  }

  async collectSiteStatuses(): Promise<Map<string, string>> {
    return (await this.base.collectSiteStatuses?.()) ?? new Map();
  }

  close(): Promise<void> {
    return this.base.close();
  }
}

export function withQueues(inventory: Inventory, sources: readonly QueueSource[]): Inventory {
  return sources.length === 0 ? inventory : new QueueFilteredInventory(inventory, sources);
}
