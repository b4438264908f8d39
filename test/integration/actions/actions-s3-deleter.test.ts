import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createS3Deleter } from '../../../src/actions/storage/storage-s3-deleter.ts';
import type { StorageDeleter } from '../../../src/actions/storage/storage-deleter.ts';
import { seedObjects, startS3Server, type S3Server } from '../../servers/s3-server.ts';

describe('S3 deleter against s3rver', () => {
  let server: S3Server;
  let deleter: StorageDeleter;
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  before(async () => {
    server = await startS3Server();
    const old = Date.now() / 1000 - 3 * 86400;
    await seedObjects(server, ['site/store/mc/a/o1.root', 'site/store/mc/a/keep.root', 'site/store/mc/b/keep2.root'].map((key) => ({ key, size: 10, mtime: old })));
    // The deleter uses the SDK's default credential chain, as the lister does.
    process.env.AWS_ACCESS_KEY_ID = server.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = server.credentials.secretAccessKey;
    deleter = createS3Deleter({
      url: `s3://${server.bucket}/site`,
      concurrency: 2,
      timeoutSeconds: 10,
      site: { S3Endpoint: server.endpoint, S3ForcePathStyle: true, S3Region: 'us-east-1' },
    });
  });
  after(async () => {
    await deleter?.close();
    await server?.stop();
    for (const [k, v] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.secret]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('DeleteObject removes exactly the named key; a second delete finds it gone; directories are refused', async () => {
    const signal = new AbortController().signal;
    const st = await deleter.stat('/store/mc/a/o1.root', signal);
    assert.equal(st.size, 10);
    await deleter.deleteFile('/store/mc/a/o1.root', signal);
    const keys = (await server.client().send(new ListObjectsV2Command({ Bucket: server.bucket }))).Contents?.map((c) => c.Key).sort();
    assert.deepEqual(keys, ['site/store/mc/a/keep.root', 'site/store/mc/b/keep2.root']);
    await assert.rejects(deleter.stat('/store/mc/a/o1.root', signal), { code: 'NOT_FOUND' });
    await assert.rejects(deleter.removeEmptyDir('/store/mc/a', signal), { code: 'UNSUPPORTED' });
  });
});
