import { z } from 'zod';

/** Site keys of S3 sites (s3://bucket/prefix). */
export const s3SiteKeys = {
  /** S3 (s3:// sites): endpoint URL (empty: AWS), region, path-style addressing. */
  S3Endpoint: z.string(),
  S3Region: z.string(),
  S3ForcePathStyle: z.boolean(),
  /** Named profile of the shared AWS credential files; empty: the SDK's default chain. */
  S3Profile: z.string(),
  /** Keys asked for per ListObjectsV2 page (S3 answers at most 1000). */
  S3PageSize: z.number().int().min(1).max(1000),
} as const;

export type S3Settings = { [K in keyof typeof s3SiteKeys]: z.infer<(typeof s3SiteKeys)[K]> };
