import { z } from 'zod';
import { cliListerSiteKeys } from '../listers/cli-lister-settings.ts';
import { dumpSiteKeys } from '../listers/dump/dump-settings.ts';
import { inventoryKeys } from '../inventory/inventory-settings.ts';
import { credentialSiteKeys } from '../protocols/credentials/credentials-settings.ts';
import { s3SiteKeys } from '../protocols/s3/s3-settings.ts';
import { webdavSiteKeys } from '../protocols/webdav/webdav-settings.ts';
import { xrootdSiteKeys } from '../protocols/xrootd/xrootd-settings.ts';

/**
 * The configuration keys. The seed's keys keep their names and meaning; new keys stand beside them.
 * Every key here can be overridden by an environment variable of the same name, and every
 * top-level key (except Sites) can be overridden per site under `Sites.<NAME>`.
 */
const nonNeg = z.number().finite().nonnegative();
const fraction = z.number().finite().min(0).max(1);
/** Longest delay Node's timers keep (2^31-1 ms); beyond it a timer fires at once. */
const MAX_TIMER_SECONDS = 2_147_483;

/** Site names: they become file names (`SITE_compare_missing.txt`), so no separators or blanks. */
export const siteName = z.string().regex(/^[A-Za-z0-9_.-]+$/, 'site names use letters, digits, _ . -');

/**
 * `AccessMethod` values: the seed's (`SRM` lists with gfal-ls, `directx` with an xrdfs shell,
 * `RAL-Reader` reads a storage dump) and the URL schemes of src/listers/registry.ts; empty: by URL scheme.
 */
export const ACCESS_METHODS = ['', 'SRM', 'directx', 'RAL-Reader', 'file', 'root', 'roots', 'davs', 'https', 'dav', 'http', 's3', 'dump', 'gfal'] as const;

/**
 * The seed's `ListDeletable`: settings of its unmerged-area cleaning (CMS "listdeletable"). Validated
 * and kept for compatibility; the cleaning itself is not part of this version.
 */
export const ListDeletableSchema = z
  .object({
    /** LFN of the unmerged area to clean. */
    LFN_TO_CLEAN: z.string().startsWith('/'),
    /** Where that area is on the storage. */
    UNMERGED_DIR_LOCATION: z.string().startsWith('/'),
    /** Whether the deletion list names files or directories. */
    WHICH_LIST: z.enum(['files', 'directories']),
    /** Suffix of the deletion list written (SITE + DELETION_FILE). */
    DELETION_FILE: z.string().min(1),
    /** Directories under the unmerged area that are never cleaned. */
    DIRS_TO_AVOID: z.array(z.string().min(1)),
    /** Seconds: younger entries are kept. */
    MIN_AGE: nonNeg,
    /** Site -> storage root to use instead of the usual one. */
    AlternateRoot: z.record(siteName, z.string().startsWith('/')),
  })
  .partial()
  .strict();

export const siteKeys = {
  /** Storage directory holding the LFN namespace, e.g. "/store". */
  RootPath: z.string().startsWith('/'),
  /** Top directories under RootPath to list; empty means all of RootPath. */
  DirectoryList: z.array(z.string()),
  /** Only list DirectoryList entries that the inventory also has (the seed's behaviour). */
  ListOnlyInventoryDirs: z.boolean(),
  /** Substrings: a path containing one is never orphan nor an empty directory. */
  IgnoreDirectories: z.array(z.string()),
  /** Days: remote files and directories younger than this are "new". */
  IgnoreAge: nonNeg,
  /** Gates (the seed's defaults 100 and 1000): more missing / orphan files than this and nothing is acted on. */
  MaxMissing: nonNeg,
  MaxOrphan: nonNeg,
  MaxMissingFraction: fraction,
  MaxOrphanFraction: fraction,
  MaxUnlistedFraction: fraction,
  /**
   * `import` refuses a file that would shrink the site's inventory by more than this fraction of
   * its files (0.5: to fewer than half) unless given --force: a truncated dump must not replace
   * a whole site.
   */
  MaxImportShrink: fraction,
  /** Fraction by which the settled inventory may shrink against the site's baseline before nothing is acted on. */
  MaxInventoryShrink: fraction,
  /** Fraction by which the listing may shrink against the site's baseline before nothing is acted on. */
  MaxListingShrink: fraction,
  MissingConfirmations: z.number().int().min(1),
  OrphanConfirmations: z.number().int().min(1),
  OrphanConfirmDays: nonNeg,
  MaxEmptyRemovals: z.number().int().nonnegative(),
  /** Listings in flight against one site at most; the walk adapts its level below it (default 512). */
  NumThreads: z.number().int().min(1).max(1024),
  /** Extra attempts for a directory listing that failed. */
  Retries: z.number().int().min(0).max(100),
  /** Seconds a listing may make no progress before it is abandoned (Node's timers stop at 2^31-1 ms). */
  Timeout: z.number().positive().max(MAX_TIMER_SECONDS, `at most ${MAX_TIMER_SECONDS} seconds (about 24 days; longer timers overflow)`),
  /** Work directory for lists, locks and the default databases. */
  VarLocation: z.string(),
  /** Where finished lists are published for the web page. */
  WebDir: z.string(),
  /** Storage path of an LFN is Url + PathPrefix + LFN. */
  PathPrefix: z.string(),
  /** Explicit lister choice (the seed's "directx", "SRM", "RAL-Reader", or a URL scheme); empty: by URL scheme. */
  AccessMethod: z.enum(ACCESS_METHODS),
  /** CMS dataset conventions: orphans of datasets the site holds, IGNORED, in transfer, or too short a path are protected (the seed's --cms). */
  CmsDatasets: z.boolean(),
  /** False: no file is listed orphan; every orphan is held back and counted (the seed's --no-orphan). */
  ListOrphans: z.boolean(),
  /** False: orphans are listed and never acted on by any sink. Empty-directory removal does not depend on it. */
  DeleteOrphans: z.boolean(),
  /** Action sinks of the site, run only when every gate passes (src/actions). */
  Actions: z.array(z.enum(['registry', 'webhook', 'storage'])),
  /** Dynamo registry database (sqlite:, mysql://, postgres://); empty: the SQL inventory's own database. */
  RegistryUrl: z.string(),
  /** JSON webhook receiving confirmed actions in batches (http:// or https://). */
  WebhookUrl: z.string(),
  /** File holding a bearer token for the webhook (first line); empty: no Authorization header. */
  WebhookTokenFile: z.string(),
  WebhookBatchSize: z.number().int().min(1).max(100_000),
  /** Extra attempts of one webhook batch, with exponential backoff. */
  WebhookRetries: z.number().int().min(0).max(20),
  /** Seconds one webhook request may take. */
  WebhookTimeout: z.number().positive().max(MAX_TIMER_SECONDS, `at most ${MAX_TIMER_SECONDS} seconds (about 24 days; longer timers overflow)`),
  /** Storage deletions in flight at once. */
  DeleteThreads: z.number().int().min(1).max(256),
  /** The seed's list of sites whose /store/unmerged it cleaned (accepted and validated; not implemented here). */
  Unmerged: z.array(siteName),
  /** Days: minimum age of unmerged log files the seed deleted (not implemented here). */
  UnmergedLogsAge: nonNeg,
  /** The seed's unmerged cleaning settings, or a boolean (not implemented here). */
  ListDeletable: z.union([z.boolean(), ListDeletableSchema]),
  /** Extra log directories (relative to RootPath) the seed cleaned with --more-logs (not implemented here). */
  AdditionalLogDeletions: z.array(z.string().min(1)),
  /** Minimum free memory in GB before a run starts (0 disables the check). */
  FreeMem: nonNeg,
  // Each backend declares the keys it reads; merged here, so an unknown key is still an error.
  ...xrootdSiteKeys,
  ...credentialSiteKeys,
  ...webdavSiteKeys,
  ...s3SiteKeys,
  ...dumpSiteKeys,
  ...cliListerSiteKeys,
  /** Hours between two checks of the site started by the daemon (fractions allowed: 0.001 is 3.6 s, for tests). */
  CheckEvery: z.number().finite().positive(),
  /** Sites sharing a lock group are checked one at a time by the daemon (the seed's `--lock gfal`); empty: no group. */
  LockGroup: z.string(),
  /** Listing jobs one check of the site is split into, run by the fleet's workers (src/fleet/fleet-shards.ts); 1: not split. */
  Shards: z.number().int().min(1).max(256),
  /** How the listing is split: `hash` (the directories below each top, by a stable hash of their LFN) or `top` (whole top directories). */
  ShardBy: z.enum(['hash', 'top']),
} as const;

const SiteOverrides = z.object(siteKeys).partial().strict();

export const SiteSchema = SiteOverrides.extend({
  /**
   * The site's storage root: file:///…, root://…, davs://…, s3://…, dump:///… Without it the first of the
   * site's Redirectors gives root://<host>/, else its door is located through GlobalRedirectors.
   */
  Url: z.string().min(1).optional(),
}).strict();

export const InventorySchema = inventoryKeys;

export const HistorySchema = z.object({ Url: z.string().min(1) }).strict();

/** The dashboard (`serve`). Without Token or TokenFile the pages are read-only. */
export const WebSchema = z
  .object({
    /** Secret that unlocks the state controls; at least 16 characters. */
    Token: z.string().min(16, 'a web token has at least 16 characters').optional(),
    /** File holding the token (first line), so it stays out of the configuration. */
    TokenFile: z.string().optional(),
    /** A site with no finished run for this many days is "overdue" on the summary. */
    OverdueDays: nonNeg.optional(),
  })
  .strict()
  .refine((w) => !(w.Token && w.TokenFile), { message: 'give Web.Token or Web.TokenFile, not both' });

/**
 * The distributed fleet (issue 14): the daemon enqueues checks on BullMQ at `Url` and
 * `dynamo-consistency worker` processes run them. Without it the daemon runs checks itself.
 */
export const QueueSchema = z
  .object({
    /** redis://[user:password@]host:port/db (rediss:// for TLS). */
    Url: z.string().regex(/^rediss?:\/\//, 'a Redis URL: redis://host:6379/0'),
    /** BullMQ queue name; fleets sharing one Redis database need different names. */
    Name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'queue names use letters, digits, _ . -').optional(),
    /** Seconds after which the job of a worker that stopped answering (kill -9, lost host) is given to another worker. */
    StallSeconds: z.number().finite().min(1).max(3600).optional(),
  })
  .strict();

export const ConfigSchema = SiteOverrides.extend({
    Sites: z.record(siteName, SiteSchema).default({}),
    Inventory: InventorySchema.optional(),
    History: HistorySchema.optional(),
    Web: WebSchema.optional(),
    /** Checks the daemon runs (or keeps queued and running) at once, over the whole fleet. */
    MaxConcurrentChecks: z.number().int().min(1).max(10_000).optional(),
    /** JSON site -> ready (true/false, or {"ready": bool, "reason": "..."}) read by the daemon before each round; a site not ready is skipped. */
    ReadinessUrl: z.string().regex(/^https?:\/\//, 'an http:// or https:// URL').optional(),
    Queue: QueueSchema.optional(),
    LogLevel: z.enum(['debug', 'info', 'warn', 'error']).optional(),
  }).strict();

export type SiteKeyName = keyof typeof siteKeys;
export type SiteSettings = { [K in SiteKeyName]: z.infer<(typeof siteKeys)[K]> };
