import { z } from 'zod';

/**
 * The configuration keys. The seed's keys keep their names and meaning; new keys stand beside them.
 * Every key here can be overridden by an environment variable of the same name, and every
 * top-level key (except Sites) can be overridden per site under `Sites.<NAME>`.
 */
const nonNeg = z.number().finite().nonnegative();
const fraction = z.number().finite().min(0).max(1);

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
  MissingConfirmations: z.number().int().min(1),
  OrphanConfirmations: z.number().int().min(1),
  OrphanConfirmDays: nonNeg,
  MaxEmptyRemovals: z.number().int().nonnegative(),
  /** Listings in flight against one site. */
  NumThreads: z.number().int().min(1).max(1024),
  /** Extra attempts for a directory listing that failed. */
  Retries: z.number().int().min(0).max(100),
  /** Seconds a listing may make no progress before it is abandoned. */
  Timeout: z.number().positive(),
  /** Work directory for lists, locks and the default databases. */
  VarLocation: z.string(),
  /** Where finished lists are published for the web page. */
  WebDir: z.string(),
  /** Storage path of an LFN is Url + PathPrefix + LFN. */
  PathPrefix: z.string(),
  /** Explicit lister choice (the seed's "directx", "SRM", "RAL-Reader", …); default by URL scheme. */
  AccessMethod: z.string(),
  Redirectors: z.array(z.string()),
  /** The seed's global redirectors: where a site's doors are located (kXR_locate) when Redirectors has none. */
  GlobalRedirectors: z.array(z.string()),
  /** DNS domain of the site's doors: locate answers outside it are dropped (the seed's per-site domain). */
  Domain: z.string(),
  /** Days a located door list is reused from VarLocation (0: located anew each run). */
  RedirectorAge: nonNeg,
  /** True: send every request to the URL's host (it redirects as it likes); false: discover data servers with kXR_locate. */
  UseLoadBalancer: z.boolean(),
  /** CMS dataset conventions: orphans of datasets the site holds, IGNORED, in transfer, or too short a path are protected (the seed's --cms). */
  CmsDatasets: z.boolean(),
  DeleteOrphans: z.boolean(),
  DeleteOnStorage: z.boolean(),
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
  WebhookTimeout: z.number().positive(),
  /** Storage deletions in flight at once. */
  DeleteThreads: z.number().int().min(1).max(256),
  Unmerged: z.array(z.string()),
  UnmergedLogsAge: nonNeg,
  ListDeletable: z.boolean(),
  /** Minimum free memory in GB before a run starts (0 disables the check). */
  FreeMem: nonNeg,
  /** Extra keys used by particular listers. */
  S3Endpoint: z.string(),
  S3Region: z.string(),
  S3ForcePathStyle: z.boolean(),
  DumpPath: z.string(),
  MaxDumpAge: nonNeg,
  BearerTokenFile: z.string(),
  X509UserProxy: z.string(),
  X509CertDir: z.string(),
  XrdfsCommand: z.string(),
  GfalCommand: z.string(),
} as const;

const SiteOverrides = z.object(siteKeys).partial().strict();

export const SiteSchema = SiteOverrides.extend({
  /** The site's storage root: file:///…, root://…, davs://…, s3://…, dump:///… */
  Url: z.string().min(1),
}).strict();

export const InventorySchema = z
  .object({
    Type: z.enum(['sqlite', 'mysql', 'postgres', 'dump']),
    Path: z.string().optional(),
    Url: z.string().optional(),
    PasswordFile: z.string().optional(),
    Query: z.string().optional(),
    /** Type dump: the dumps' list format (paths, lfn-size, rucio-dump); default: detected per file from its first lines. */
    Format: z.enum(['paths', 'lfn-size', 'rucio-dump']).optional(),
    /** Pending deletions / transfers as files, for deployments without Dynamo's registry tables. */
    DeletionQueueFile: z.string().optional(),
    TransferQueueFile: z.string().optional(),
  })
  .strict();

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

export const ConfigSchema = SiteOverrides.extend({
    Sites: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'site names use letters, digits, _ . -'), SiteSchema),
    Inventory: InventorySchema.optional(),
    History: HistorySchema.optional(),
    Web: WebSchema.optional(),
    LogLevel: z.enum(['debug', 'info', 'warn', 'error']).optional(),
  }).strict();

export type SiteKeyName = keyof typeof siteKeys;
export type SiteSettings = { [K in SiteKeyName]: z.infer<(typeof siteKeys)[K]> };
