/**
 * S3 lister against a real s3rver: sharded flat listing over small pages, credentials from a shared
 * credentials file and profile, refused credentials, a missing bucket, stopping early.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DcError } from '../../../src/core/errors.ts';
import { createLister } from '../../../src/listers/registry.ts';
import { S3Lister, type S3ListerExtras } from '../../../src/listers/s3/s3-lister.ts';
import { siteBackend } from '../../helpers/backend-site.ts';
import { walk } from '../../../src/listers/walker.ts';
import { seedObjects, startS3Server, type S3Server } from '../../servers/s3-server.ts';

const DIRS = 40;
const PER_DIR = 60;

describe('S3 lister on s3rver', () => {
  let server: S3Server;
  let home = '';
  before(async () => {
    server = await startS3Server();
    home = await mkdtemp(join(tmpdir(), 'dc-s3-home-'));
    const objects = [];
    for (let d = 0; d < DIRS; d++) {
      for (let f = 0; f < PER_DIR; f++) objects.push({ key: `site/store/mc/ds${String(d).padStart(2, '0')}/sub/f${f}.root`, size: f, mtime: 1_600_000_000 + d });
    }
    objects.push({ key: 'site/store/top.root', size: 5, mtime: 1_600_000_500 });
    await seedObjects(server, objects);
  });
  after(async () => {
    await server?.stop();
    await rm(home, { recursive: true, force: true });
  });

  /** Site keys over the test's (S3PageSize, NumThreads…); explicit credentials unless `extras` says otherwise. */
  const lister = (keys: Record<string, unknown> = {}, extras: S3ListerExtras = {}) =>
    new S3Lister(siteBackend({ Url: `s3://${server.bucket}/site`, S3Endpoint: server.endpoint, S3ForcePathStyle: true, NumThreads: 6, Timeout: 20, ...keys }), { credentials: server.credentials, ...extras });

  const collect = async (l: S3Lister, perDirectory = false) => {
    const files = new Map<string, number>();
    const dirs = new Map<string, { files: number; mtime: number }>();
    const unlisted: string[] = [];
    for await (const ev of walk(l, { tops: ['/store'], concurrency: 6, retries: 1, timeoutMs: 20_000, perDirectory })) {
      if (ev.type === 'files') for (const f of ev.files) files.set(f.lfn, f.size);
      else if (ev.type === 'dir') dirs.set(ev.dir.lfn, { files: ev.dir.files, mtime: ev.dir.mtime });
      else unlisted.push(`${ev.lfn}:${ev.code}`);
    }
    return { files, dirs, unlisted };
  };

  it('lists the same tree sharded over 50-key pages as one flat stream and per directory', async () => {
    const sharded = lister({ S3PageSize: 50 });
    const flat = lister({ NumThreads: 1 });
    try {
      const a = await collect(sharded);
      const b = await collect(flat);
      const c = await collect(sharded, true);
      assert.deepEqual(a.unlisted, []);
      assert.equal(a.files.size, DIRS * PER_DIR + 1);
      assert.deepEqual([...a.files].sort(), [...b.files].sort());
      assert.deepEqual([...a.files].sort(), [...c.files].sort());
      assert.deepEqual([...a.dirs.keys()].sort(), [...c.dirs.keys()].sort());
      assert.equal(a.dirs.get('/store')?.files, DIRS * PER_DIR + 1);
      assert.equal(a.dirs.get('/store/mc/ds07')?.mtime, 1_600_000_007, 'a directory takes the newest mtime below it');
    } finally {
      await sharded.close();
      await flat.close();
    }
  });

  it('takes credentials from a shared credentials file and a named profile (the default chain)', async () => {
    const file = join(home, 'credentials');
    await writeFile(file, `[dc-test]\naws_access_key_id = ${server.credentials.accessKeyId}\naws_secret_access_key = ${server.credentials.secretAccessKey}\n`);
    const saved = { f: process.env.AWS_SHARED_CREDENTIALS_FILE, c: process.env.AWS_CONFIG_FILE };
    process.env.AWS_SHARED_CREDENTIALS_FILE = file;
    process.env.AWS_CONFIG_FILE = join(home, 'none');
    try {
      const l = await createLister(siteBackend({ Url: `s3://${server.bucket}/site`, NumThreads: 2, Timeout: 20, S3Endpoint: server.endpoint, S3ForcePathStyle: true, S3Profile: 'dc-test' }));
      try {
        assert.equal(l.kind, 's3');
        assert.equal(l.noEmptyDirectories, true);
        assert.equal((await collect(l as S3Lister)).files.size, DIRS * PER_DIR + 1);
      } finally {
        await l.close();
      }
    } finally {
      process.env.AWS_SHARED_CREDENTIALS_FILE = saved.f;
      process.env.AWS_CONFIG_FILE = saved.c;
      if (saved.f === undefined) delete process.env.AWS_SHARED_CREDENTIALS_FILE;
      if (saved.c === undefined) delete process.env.AWS_CONFIG_FILE;
    }
  });

  it('reports refused credentials as PERMISSION and a missing bucket as NOT_FOUND, without leaking the secret', async () => {
    const secret = 'not-the-secret-0123456789';
    const refused = lister({}, { credentials: { accessKeyId: 'WRONG', secretAccessKey: secret }, maxAttempts: 1 });
    const noBucket = lister({ Url: 's3://no-such-bucket/x', NumThreads: 1 });
    try {
      const r = await collect(refused);
      assert.deepEqual(r.unlisted, ['/store:PERMISSION']);
      await assert.rejects(
        (async () => {
          for await (const _ of refused.listDir('/store', new AbortController().signal));
        })(),
        (e: unknown) => e instanceof DcError && e.code === 'PERMISSION' && !e.message.includes(secret) && !JSON.stringify(e.detail).includes(secret),
      );
      assert.deepEqual((await collect(noBucket)).unlisted, ['/store:NOT_FOUND']);
    } finally {
      await refused.close();
      await noBucket.close();
    }
  });

  it('stops its shards when the walk stops early', async () => {
    const l = lister({ S3PageSize: 20 });
    try {
      let n = 0;
      for await (const ev of walk(l, { tops: ['/store'], concurrency: 6, retries: 0, timeoutMs: 20_000 })) if (ev.type === 'files' && ++n === 3) break;
      assert.equal(n, 3);
      // Still usable afterwards.
      assert.equal((await collect(l)).files.size, DIRS * PER_DIR + 1);
    } finally {
      await l.close();
    }
  });
});
