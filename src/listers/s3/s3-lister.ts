import { ListObjectsV2Command, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { DirEntry } from '../../core/entries.ts';
import { DcError } from '../../core/errors.ts';
import type { ListingPace } from '../../core/listing-pace.ts';
import type { BackendSite } from '../../protocols/protocol-site.ts';
import { s3ClientConfig } from '../../protocols/s3/s3-client-options.ts';
import { s3Error } from '../../protocols/s3/s3-errors.ts';
import { dirKeyPrefix, parseS3Url, skipSubtree, type S3Location } from '../../protocols/s3/s3-keys.ts';
import type { S3Settings } from '../../protocols/s3/s3-settings.ts';
import type { Lister, ListerSettings, TreeItem } from '../lister.ts';
import { streamS3Tree, type S3Page } from './s3-tree.ts';

export interface S3ListerExtras {
  /** Attempts per request, the SDK retrying with backoff (default 3). */
  maxAttempts?: number;
  /** Explicit credentials (programmatic use); otherwise a key pair in the site's env, else the SDK's default chain. */
  credentials?: S3ClientConfig['credentials'];
}

/**
 * Lists an S3 bucket (or a prefix of it). S3 has no directories: they are derived from the "/" in
 * keys, so an empty directory cannot exist (`noEmptyDirectories`) and a directory's mtime is the
 * newest LastModified below it (or its "dir/" marker object's). Listing is flat (no delimiter: it
 * is one request per 1 000 keys instead of one per directory, and s3rver's delimiter listing is
 * wrong); the walker uses `listTree`, which shards big prefixes over parallel key ranges.
 *
 * Only ListObjectsV2 is used, so the credentials need nothing more than s3:ListBucket.
 */
export class S3Lister implements Lister {
  readonly kind = 's3';
  readonly noEmptyDirectories = true;
  /** S3 keys are UTF-8 by the API (a key is a Unicode string): a name that is not cannot be stored. */
  readonly utf8Names = true;
  private readonly loc: S3Location;
  private readonly client: S3Client;
  private readonly pageSize: number;
  private readonly maxShards: number;
  private closed = false;

  /** `site.url` is `s3://bucket/prefix`; `site.concurrency` bounds parallel requests and key-range shards. */
  constructor(site: BackendSite<S3Settings>, extras: S3ListerExtras = {}) {
    this.loc = parseS3Url(site.url);
    this.pageSize = Math.max(1, Math.min(1000, site.settings.S3PageSize));
    this.maxShards = Math.max(1, site.concurrency);
    this.client = new S3Client(s3ClientConfig(site, { maxAttempts: extras.maxAttempts ?? 3, credentials: extras.credentials }));
  }

  private describe(prefix: string): string {
    return `s3://${this.loc.bucket}/${prefix}`;
  }

  private async page(req: { prefix: string; startAfter?: string; token?: string }, signal: AbortSignal, pageSize = this.pageSize): Promise<S3Page> {
    if (this.closed) throw new DcError('ABORTED', 'S3 lister closed');
    try {
      const r = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.loc.bucket, Prefix: req.prefix, StartAfter: req.startAfter, ContinuationToken: req.token, MaxKeys: pageSize }),
        { abortSignal: signal },
      );
      const objects = (r.Contents ?? []).map((c) => ({ key: c.Key ?? '', size: c.Size ?? 0, mtime: c.LastModified ? c.LastModified.getTime() / 1000 : 0 }));
      return { objects, truncated: r.IsTruncated === true, nextToken: r.NextContinuationToken, retried: (r.$metadata.attempts ?? 1) > 1 };
    } catch (err) {
      throw s3Error(err, `listing ${this.describe(req.prefix)}`, signal);
    }
  }

  listTree(path: string, signal: AbortSignal, pace?: ListingPace): AsyncIterable<TreeItem[]> {
    const prefix = dirKeyPrefix(this.loc, path);
    return streamS3Tree({
      top: path,
      prefix,
      maxShards: this.maxShards,
      pace,
      signal,
      fetchPage: (req, s) => this.page(req, s),
      toError: (err) => s3Error(err, `listing ${this.describe(prefix)}`, signal),
    });
  }

  /**
   * One directory: pages through the files directly in it and jumps over each subdirectory's keys
   * with StartAfter, so a directory costs one request per page of files plus one per subdirectory.
   * A subdirectory's mtime is the LastModified of the first key seen below it (its real newest time
   * would need its whole subtree); `listTree` gives true values.
   */
  async *listDir(path: string, signal: AbortSignal): AsyncIterable<DirEntry[]> {
    if (signal.aborted) throw new DcError('ABORTED', `listing ${path} aborted`);
    const prefix = dirKeyPrefix(this.loc, path);
    let startAfter: string | undefined;
    let token: string | undefined;
    let found = false;
    for (;;) {
      const page = await this.page({ prefix, startAfter: token ? undefined : startAfter, token }, signal);
      if (signal.aborted) throw new DcError('ABORTED', `listing ${path} aborted`);
      const batch: DirEntry[] = [];
      let jump: string | undefined;
      for (const obj of page.objects) {
        found = true;
        const rel = obj.key.slice(prefix.length);
        if (rel === '') continue; // the directory's own marker object
        const slash = rel.indexOf('/');
        if (slash < 0) {
          batch.push({ name: rel, isDir: false, size: obj.size, mtime: obj.mtime });
          continue;
        }
        if (slash > 0) batch.push({ name: rel.slice(0, slash), isDir: true, size: 0, mtime: obj.mtime });
        jump = skipSubtree(prefix, rel.slice(0, Math.max(slash, 0)), obj.key);
        break;
      }
      if (batch.length) yield batch;
      if (jump !== undefined) {
        startAfter = jump;
        token = undefined;
        continue;
      }
      if (!page.truncated) break;
      token = page.nextToken;
      if (!token) throw new DcError('PROTOCOL', `listing ${this.describe(prefix)}: truncated page without a continuation token`);
    }
    if (!found) throw new DcError('NOT_FOUND', `${path}: no key below ${this.describe(prefix)}`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.client.destroy();
  }
}

/** Site keys: `S3Endpoint`, `S3Region`, `S3ForcePathStyle`, `S3Profile`, `S3PageSize`, `Retries`. */
export function createS3Lister(settings: ListerSettings): Lister {
  return new S3Lister(settings, { maxAttempts: Math.max(1, Math.min(10, settings.settings.Retries + 1)) });
}
