import type { S3ClientConfig } from '@aws-sdk/client-s3';
import type { BackendSite } from '../protocol-site.ts';
import type { S3Settings } from './s3-settings.ts';

export interface S3ClientExtras {
  /** Attempts per request, the SDK retrying with backoff. */
  maxAttempts: number;
  /** Explicit credentials (programmatic use); otherwise from `env`, else the SDK's default chain. */
  credentials?: S3ClientConfig['credentials'];
}

/**
 * The S3 client options of a site, for its lister and its storage deleter alike. Region: `S3Region`,
 * else AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1. Credentials: a key pair in `env`
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) unless the site names an `S3Profile`
 * (the SDK then reads that profile, as it does when no key pair is given). Sockets as many as the
 * requests in flight, kept alive between pages.
 */
export function s3ClientConfig(site: BackendSite<S3Settings>, extras: S3ClientExtras): S3ClientConfig {
  const s = site.settings;
  const env = site.env;
  const keyPair =
    !s.S3Profile && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) }
      : undefined;
  const sockets = Math.max(1, site.concurrency);
  return {
    endpoint: s.S3Endpoint || undefined,
    region: s.S3Region || env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    forcePathStyle: s.S3ForcePathStyle,
    profile: s.S3Profile || undefined,
    credentials: extras.credentials ?? keyPair,
    maxAttempts: extras.maxAttempts,
    requestHandler: {
      requestTimeout: site.timeoutSeconds * 1000,
      connectionTimeout: Math.min(site.timeoutSeconds, 10) * 1000,
      httpAgent: { keepAlive: true, maxSockets: sockets },
      httpsAgent: { keepAlive: true, maxSockets: sockets },
    },
  };
}
