import { z } from 'zod';
import type { SiteEnv } from '../protocols/protocol-site.ts';

/**
 * The `Inventory` block of the configuration, declared by the inventory itself (the configuration
 * schema merges it in, as it does each storage backend's keys): the inventory never imports config.
 */
export const inventoryKeys = z
  .object({
    Type: z.enum(['sqlite', 'mysql', 'postgres', 'dump']),
    Path: z.string().optional(),
    Url: z.string().optional(),
    PasswordFile: z.string().optional(),
    Query: z.string().optional(),
    /** Type dump: the dumps' list format (paths, lfn-size, rucio-dump); default: detected per file from its first lines. */
    Format: z.enum(['paths', 'lfn-size', 'lfn-size-mtime', 'rucio-dump']).optional(),
    /** Pending deletions / transfers as files, for deployments without Dynamo's registry tables. */
    DeletionQueueFile: z.string().optional(),
    TransferQueueFile: z.string().optional(),
  })
  .strict();

export type InventorySettings = z.infer<typeof inventoryKeys>;

/**
 * What opening the configured inventory needs: the validated `Inventory` block, the configuration
 * file (relative paths and error messages name it) and the environment captured with it. A loaded
 * configuration is one.
 */
export interface InventorySource {
  readonly file: string;
  readonly inventory: Readonly<InventorySettings>;
  readonly env: SiteEnv;
}
