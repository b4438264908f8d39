import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Deleter } from '../../../src/actions/storage/storage-s3-deleter.ts';
import { isNotEmpty, type StorageDeleter } from '../../../src/actions/storage/storage-deleter.ts';
import { StorageSink } from '../../../src/actions/storage/storage-sink.ts';
import type { Config } from '../../../src/config/config-loader.ts';
import { siteBackend } from '../../helpers/backend-site.ts';
import { testSite } from '../../helpers/check-harness.ts';
import { seedObjects, startS3Server, type S3Server } from '../../servers/s3-server.ts';

describe('S3 deleter against s3rver', () => {
  let server: S3Server;
  let deleter: StorageDeleter;
  before(async () => {
    server = await startS3Server();
    const old = Date.now() / 1000 - 3 * 86400;
    await seedObjects(server, ['site/store/mc/a/o1.root', 'site/store/mc/a/keep.root', 'site/store/mc/b/keep2.root'].map((key) => ({ key, size: 10, mtime: old })));
    // The deleter takes the key pair from the environment the configuration captured, as the lister does.
    const env = { AWS_ACCESS_KEY_ID: server.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: server.credentials.secretAccessKey };
    deleter = createS3Deleter(
      siteBackend({ Url: `s3://${server.bucket}/site`, DeleteThreads: 2, Timeout: 10, S3Endpoint: server.endpoint, S3ForcePathStyle: true, S3Region: 'us-east-1' }, env, 'delete'),
    );
  });
  const keysBelow = async (dir: string) =>
    ((await server.client().send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: dir + '/' }))).Contents ?? []).map((c) => c.Key).sort();
  after(async () => {
    await deleter?.close();
    await server?.stop();
  });

  it('DeleteObject removes exactly the named key; a second delete finds it gone', async () => {
    const signal = new AbortController().signal;
    const st = await deleter.stat('/store/mc/a/o1.root', signal);
    assert.equal(st.size, 10);
    await deleter.deleteFile('/store/mc/a/o1.root', signal);
    const keys = (await server.client().send(new ListObjectsV2Command({ Bucket: server.bucket }))).Contents?.map((c) => c.Key).sort();
    assert.deepEqual(keys, ['site/store/mc/a/keep.root', 'site/store/mc/b/keep2.root']);
    await assert.rejects(deleter.stat('/store/mc/a/o1.root', signal), { code: 'NOT_FOUND' });
  });

  it('an empty directory is its marker object alone: removed after listing the prefix; a prefix with keys is refused (issue 10)', async () => {
    const signal = new AbortController().signal;
    const client = server.client();
    const put = (Key: string) => client.send(new PutObjectCommand({ Bucket: server.bucket, Key, Body: Buffer.from(Key.endsWith('/') ? '' : 'x') }));
    await put('site/store/mc/e1/');
    await deleter.removeEmptyDir('/store/mc/e1', signal);
    assert.deepEqual(await keysBelow('site/store/mc/e1'), []);
    await assert.rejects(deleter.removeEmptyDir('/store/mc/e1', signal), { code: 'NOT_FOUND' }, 'gone: nothing left to do');
    // A prefix holding keys is never "removed", marker or not.
    await assert.rejects(deleter.removeEmptyDir('/store/mc/b', signal), (err) => isNotEmpty(err));
    assert.deepEqual(await keysBelow('site/store/mc/b'), ['site/store/mc/b/keep2.root']);
  });

  it('the storage sink refuses a confirmed-empty directory that received a file after the check: the file survives and the refusal is recorded (issue 10)', async () => {
    const client = server.client();
    await client.send(new PutObjectCommand({ Bucket: server.bucket, Key: 'site/store/mc/e2/', Body: Buffer.alloc(0) }));
    await client.send(new PutObjectCommand({ Bucket: server.bucket, Key: 'site/store/mc/e3/', Body: Buffer.alloc(0) }));
    // The check saw e2 and e3 empty; then a file arrives in e2 before the sink acts.
    await client.send(new PutObjectCommand({ Bucket: server.bucket, Key: 'site/store/mc/e2/late.root', Body: Buffer.from('late') }));
    const sink = new StorageSink(async () => deleter);
    const site = testSite({ name: 'T2_S3', Url: `s3://${server.bucket}/site`, PathPrefix: '' });
    const rep = await sink.execute({ transfers: [], deletions: [], rmdirs: ['/store/mc/e2', '/store/mc/e3'], notes: [] }, { config: {} as Config, site, runId: 1, now: Date.now() / 1000, log: () => undefined });
    assert.deepEqual(rep.records.map((r) => [r.kind, r.target, r.outcome]), [['rmdir', '/store/mc/e2', 'refused'], ['rmdir', '/store/mc/e3', 'ok']]);
    assert.match(rep.records[0].detail ?? '', /not empty.*late\.root/);
    assert.deepEqual(await keysBelow('site/store/mc/e2'), ['site/store/mc/e2/', 'site/store/mc/e2/late.root'], 'the file and the marker survive');
    assert.deepEqual(await keysBelow('site/store/mc/e3'), []);
  });
});
