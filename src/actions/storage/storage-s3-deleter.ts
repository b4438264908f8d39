import { DeleteObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DcError } from '../../core/errors.ts';
import type { BackendSite } from '../../protocols/protocol-site.ts';
import { s3ClientConfig } from '../../protocols/s3/s3-client-options.ts';
import { s3Error } from '../../protocols/s3/s3-errors.ts';
import { parseS3Url, type S3Location } from '../../protocols/s3/s3-keys.ts';
import type { S3Settings } from '../../protocols/s3/s3-settings.ts';
import { notEmptyError, type StorageDeleter, type StoragePathInfo } from './storage-deleter.ts';

/**
 * DeleteObject per file. S3 has no directories: the only "empty directory" is a `dir/` marker
 * object with no key below it. removeEmptyDir lists the prefix just before deleting that marker
 * and refuses when any other key is there. (DeleteObject of the marker never touches other keys,
 * so even a key written after the listing survives.)
 */
export class S3Deleter implements StorageDeleter {
  readonly kind = 's3';

  constructor(
    private readonly loc: S3Location,
    private readonly client: S3Client,
  ) {}

  private key(path: string): string {
    const rel = path.replace(/^\/+/, '');
    return this.loc.rootKey ? `${this.loc.rootKey}/${rel}` : rel;
  }

  async stat(path: string, signal: AbortSignal): Promise<StoragePathInfo> {
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: this.loc.bucket, Key: this.key(path) }), { abortSignal: signal });
      return { isDir: false, size: Number(r.ContentLength ?? 0), mtime: (r.LastModified?.getTime() ?? 0) / 1000 };
    } catch (err) {
      throw s3Error(err, `HEAD ${path}`, signal);
    }
  }

  async deleteFile(path: string, signal: AbortSignal): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.loc.bucket, Key: this.key(path) }), { abortSignal: signal });
    } catch (err) {
      throw s3Error(err, `DELETE ${path}`, signal);
    }
  }

  async removeEmptyDir(path: string, signal: AbortSignal): Promise<void> {
    const marker = this.key(path).replace(/\/*$/, '/');
    let keys: string[];
    try {
      const r = await this.client.send(new ListObjectsV2Command({ Bucket: this.loc.bucket, Prefix: marker, MaxKeys: 2 }), { abortSignal: signal });
      keys = (r.Contents ?? []).map((c) => c.Key ?? '');
    } catch (err) {
      throw s3Error(err, `listing ${path}`, signal);
    }
    if (keys.length === 0) throw new DcError('NOT_FOUND', `${path}: no directory marker and no key below it`);
    const others = keys.filter((k) => k !== marker);
    if (others.length > 0) throw notEmptyError(path, `directory is not empty (the listing shows ${others[0].slice(marker.length)})`, { key: others[0] });
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.loc.bucket, Key: marker }), { abortSignal: signal });
    } catch (err) {
      throw s3Error(err, `DELETE ${path}/`, signal);
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

/** The same client options as the S3 lister's (src/protocols/s3/s3-client-options.ts). */
export function createS3Deleter(site: BackendSite<S3Settings>): StorageDeleter {
  return new S3Deleter(parseS3Url(site.url), new S3Client(s3ClientConfig(site, { maxAttempts: 3 })));
}
