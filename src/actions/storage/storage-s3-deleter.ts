import { DeleteObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DcError } from '../../core/errors.ts';
import type { ListerSettings } from '../../listers/lister.ts';
import { s3Error } from '../../listers/s3/s3-errors.ts';
import { parseS3Url, type S3Location } from '../../listers/s3/s3-keys.ts';
import type { StorageDeleter, StoragePathInfo } from './storage-deleter.ts';

/**
 * DeleteObject per file. S3 has no directories (an "empty directory" cannot exist there), so
 * removeEmptyDir is refused rather than guessed at.
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

  async removeEmptyDir(path: string): Promise<void> {
    throw new DcError('UNSUPPORTED', `${path}: S3 holds no directories to remove`);
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
