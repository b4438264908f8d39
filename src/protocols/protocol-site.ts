/**
 * What every backend (a lister or a storage deleter) is built from: the site's entry point, its
 * limits, its backend settings — already validated by the configuration schema, each backend
 * naming the keys it reads in its settings type — and the environment captured once by the
 * configuration layer. Nothing below the configuration layer reads the process environment: variables such
 * as BEARER_TOKEN_FILE, X509_CERT_DIR or AWS_REGION are looked up in `env`.
 */

/** A process environment as captured by the configuration layer (frozen: never written). */
export type SiteEnv = Readonly<Record<string, string | undefined>>;

export interface BackendSite<S> {
  url: string;
  /**
   * Requests in flight against the site at most (NumThreads for a listing, DeleteThreads for deletions):
   * a walk adapts its level below it (src/core/listing-pace.ts), so pools open connections only as used.
   */
  concurrency: number;
  /** Seconds before one request is abandoned (Timeout). */
  timeoutSeconds: number;
  /** The site's settings; `S` names the keys the backend reads, each declared in the site schema. */
  settings: Readonly<S>;
  env: SiteEnv;
}

/** General site keys some backends read besides their own (declared in the site schema with the rest). */
export interface SiteBasics {
  name: string;
  /** Storage directory holding the LFN namespace. */
  RootPath: string;
  PathPrefix: string;
  /** Extra attempts for a failed request. */
  Retries: number;
  AccessMethod: string;
}
