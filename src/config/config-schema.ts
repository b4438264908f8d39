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
 * The seed's `ListDeletable`: settings of the unmerged-area cleaning (CMS "ListDeletable", src/unmerged).
 * Every key is optional; src/unmerged/unmerged-settings.ts holds the defaults.
 */
export const ListDeletableSchema = z
  .object({
    /** LFN the deletion list names the unmerged area by (default UNMERGED_DIR_LOCATION). */
    LFN_TO_CLEAN: z.string().startsWith('/'),
    /** The unmerged area listed (default /store/unmerged); AlternateRoot replaces its RootPath part. */
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

/** An e-mail address as SMTP takes it (`local@domain`; `root@localhost` too). */
const emailAddress = z.string().regex(/^[^\s@<>]+@[^\s@<>]+$/, 'an e-mail address such as consistency@example.org');

/** The seed's `Email`: the failure notice's sender and recipients. */
export const EmailSchema = z
  .object({
    Sender: emailAddress,
    Recipients: z.array(emailAddress),
  })
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
  /**
   * Failure notice (issue 14): a run that failed, or whose actions a data gate held, is posted here
   * as JSON (http:// or https://; a user and password in the URL are sent as Basic credentials,
   * never printed). Empty: no post.
   */
  NotifyUrl: z.union([z.literal(''), z.string().regex(/^https?:\/\/\S+$/, 'an http:// or https:// URL (empty: no notice is posted)')]),
  /** File holding a bearer token for NotifyUrl (first line); empty: no bearer token. */
  NotifyTokenFile: z.string(),
  /** The seed's key: the failure notice is also mailed from Sender to Recipients (none: no mail), through SmtpUrl. */
  Email: EmailSchema,
  /** The SMTP server mailing the notice: smtp://[user:password@]host[:port] (STARTTLS when offered) or smtps:// (TLS). */
  SmtpUrl: z.string().regex(/^smtps?:\/\/[^\s/]+\/?$/, 'an smtp:// or smtps:// URL: smtp://[user:password@]host[:port]'),
  /** The dashboard's address as the readers of a notice reach it (e.g. https://dc.example.org/): a notice links to the run's page. */
  DashboardUrl: z.union([z.literal(''), z.string().regex(/^https?:\/\/\S+$/, 'an http:// or https:// URL')]),
  /** Storage deletions in flight at once. */
  DeleteThreads: z.number().int().min(1).max(256),
  /** Sites whose unmerged area `check --unmerged` cleans (the seed's list); empty: none. */
  Unmerged: z.array(siteName),
  /** Days: minimum age of the log files deleted in <unmerged>/logs and AdditionalLogDeletions. */
  UnmergedLogsAge: nonNeg,
  /** The unmerged cleaning settings (the seed's object); a boolean: the defaults. */
  ListDeletable: z.union([z.boolean(), ListDeletableSchema]),
  /** Extra log directories (relative to RootPath) cleaned with --more-logs. */
  AdditionalLogDeletions: z.array(z.string().min(1)),
  /** https:// URL of the protected LFN list (the CMS workload service's `{"result": [...]}` or a JSON list). */
  ProtectedLfnsUrl: z.string().regex(/^(https?:\/\/|$)/, 'an https:// URL'),
  /** A file holding the protected LFN list, used when ProtectedLfnsUrl is empty. */
  ProtectedLfnsFile: z.string(),
  /** Fraction by which the protected list may shrink against the last accepted one before nothing is cleaned. */
  MaxProtectedShrink: fraction,
  /** Unmerged deletions (files and directories) above which none is done; null: no limit. */
  MaxUnmergedDeletions: z.number().int().nonnegative().nullable(),
  /** Fraction of the unmerged area's files above which no unmerged deletion is done. */
  MaxUnmergedFraction: fraction,
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
  /** A listing writes a checkpoint (frontier and spool lengths) after this many directories listed... */
  CheckpointDirectories: z.number().int().positive(),
  /** ...or after this many seconds, whichever comes first (README "Resuming a listing"). */
  CheckpointSeconds: z.number().finite().positive(),
  /** Days: a listing checkpoint last written longer ago than this is discarded, never resumed. */
  ResumeMaxAge: nonNeg,
  /** The daemon and workers resume the listing of a run that died (false: they start afresh). */
  DaemonResume: z.boolean(),
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
