import type { SiteEnv } from '../protocols/protocol-site.ts';

/** Options of the listers that drive a grid CLI client as child processes (xrdfs, gfal-ls). */
export interface CliListerOptions {
  /** Site Url; a directory's URL or path is formed from it and the storage path. */
  url: string;
  /** Program plus leading arguments (the tool's name by default); e.g. `['ip', 'netns', 'exec', 'ns', 'xrdfs']`. */
  command?: readonly string[];
  /** Client processes at once (NumThreads). */
  concurrency: number;
  /** One command taking longer is killed and reported as TIMEOUT. */
  timeoutMs: number;
  /**
   * The environment the client runs in: the one captured by the configuration layer (PATH, HOME,
   * X509_USER_PROXY, X509_CERT_DIR, BEARER_TOKEN…), with the lister's own settings on top.
   */
  env: SiteEnv;
}
