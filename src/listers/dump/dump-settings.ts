import { z } from 'zod';

/** Site keys of storage dumps (dump:// sites, AccessMethod RAL-Reader). */
export const dumpSiteKeys = {
  /** Storage dump (dump:// sites, AccessMethod RAL-Reader): the file, its format, its maximum age in days. */
  DumpPath: z.string(),
  DumpFormat: z.enum(['auto', 'days', 'find', 'csv']),
  MaxDumpAge: z.number().finite().nonnegative(),
  /** Where a dump is unpacked and sorted; empty: the system's temporary directory. */
  DumpTempDir: z.string(),
} as const;

export type DumpSettings = { [K in keyof typeof dumpSiteKeys]: z.infer<(typeof dumpSiteKeys)[K]> };
