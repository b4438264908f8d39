import { DeleteObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DcError } from '../../core/errors.ts';
import type { ListerSettings } from '../../listers/lister.ts';
import { s3Error } from '../../protocols/s3/s3-errors.ts';
import { parseS3Url, type S3Location } from '../../protocols/s3/s3-keys.ts';
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

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function createS3Deleter(settings: ListerSettings): StorageDeleter {
  const site = settings.site;
  const client = new S3Client({
    endpoint: str(site.S3Endpoint),
    region: str(site.S3Region) ?? process.env.AWS_REGION ?? 'us-east-1',
    forcePathStyle: site.S3ForcePathStyle === true,
    profile: str(site.S3Profile),
    maxAttempts: 3,
    requestHandler: { requestTimeout: settings.timeoutSeconds * 1000 },
  });
  return new S3Deleter(parseS3Url(settings.url), client);
}
