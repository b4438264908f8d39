import { z } from 'zod';

/** Site keys of storage dumps (dump:// sites, AccessMethod RAL-Reader). */
export const dumpSiteKeys = {
  /** Storage dump (dump:// sites, AccessMethod RAL-Reader): the file, its format, its maximum age in days. `{date}` and `{site}` are filled in. */
  DumpPath: z.string(),
  DumpFormat: z.enum(['auto', 'days', 'find', 'csv']),
  /**
   * Days. A local dump whose file is older is refused; a fetched one (DumpUrl, RAL-Reader) is
   * refused when the day it is named for is more than this many days before today (UTC).
   */
  MaxDumpAge: z.number().finite().nonnegative(),
  /** Where a dump is fetched, unpacked and sorted; empty: the system's temporary directory. */
  DumpTempDir: z.string(),
  /**
   * A dump the site publishes (AccessMethod RAL-Reader): a root://, roots:// or https:// URL template
   * with `{date}` (YYYYMMDD) and `{site}`; empty: `<Url><PathPrefix>/store/accounting/{site}-{date}.tsv`.
   */
  DumpUrl: z.string().regex(/^$|^(roots?|xroots?|https?):\/\//, 'DumpUrl is a root://, roots:// or https:// URL (with {date} and {site})'),
  /** The day of the dump to read, YYYYMMDD (set by --date-string); empty: today, UTC. */
  DumpDate: z.string().regex(/^(\d{8})?$/, 'DumpDate (--date-string) is YYYYMMDD'),
} as const;

export type DumpSettings = { [K in keyof typeof dumpSiteKeys]: z.infer<(typeof dumpSiteKeys)[K]> };
