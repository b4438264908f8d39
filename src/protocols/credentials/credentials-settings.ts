import { z } from 'zod';

/**
 * Site keys of the credentials shared by XRootD, WebDAV and the storage deleters. Empty means: use
 * the usual grid environment variables (BEARER_TOKEN…, X509_USER_PROXY, X509_USER_CERT,
 * X509_USER_KEY, X509_CERT_DIR), as gfal and the XRootD client do.
 */
export const credentialSiteKeys = {
  /** Credentials: bearer token file, X.509 proxy or certificate + key, CA directory or file; empty: the usual environment variables. */
  BearerTokenFile: z.string(),
  X509UserProxy: z.string(),
  X509UserCert: z.string(),
  X509UserKey: z.string(),
  X509CertDir: z.string(),
  CaFile: z.string(),
  /** CA directory for XRootD over TLS (roots://); empty: X509CertDir, then X509_CERT_DIR. */
  CaDir: z.string(),
} as const;

export type CredentialSettings = { [K in keyof typeof credentialSiteKeys]: z.infer<(typeof credentialSiteKeys)[K]> };
