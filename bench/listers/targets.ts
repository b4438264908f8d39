/**
 * The servers and listers of the listers benchmark, all over the same generated tree. Listers are
 * imported lazily: one whose module has not landed is reported "not available" instead of breaking
 * the run.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Lister } from '../../src/listers/lister.ts';
import type { BenchTree } from './generate.ts';

export interface Servers {
  xrootd?: { url: string; httpUrl: string; port: number; prefix: readonly string[]; stop(): Promise<void> };
  nginx?: { httpUrl: string; stop(): Promise<void> };
  s3?: { endpoint: string; bucket: string; credentials: { accessKeyId: string; secretAccessKey: string }; stop(): Promise<void> };
  dumpFile?: string;
  /** Why a server could not start, by name. */
  failed: Map<string, string>;
}

export interface Target {
  name: string;
  /** Lister to walk from `top`, or a reason it cannot run here. */
  make(): Promise<{ lister: Lister; top: string } | string>;
}

async function tryStart<T>(failed: Map<string, string>, name: string, start: () => Promise<T>): Promise<T | undefined> {
  try {
    return await start();
  } catch (err) {
    failed.set(name, (err as Error).message.split('\n')[0]);
    return undefined;
  }
}

export async function startServers(tree: BenchTree, only: (name: string) => boolean): Promise<Servers> {
  const failed = new Map<string, string>();
  const s: Servers = { failed };
  if (['xrootd', 'webdav xrdhttp', 'xrdfs', 'gfal', 'gfal-ls walk'].some(only)) {
    s.xrootd = await tryStart(failed, 'xrootd', async () => {
      const { startXrootd } = await import('../../test/servers/xrootd-server.ts');
      const x = await startXrootd({ dataDir: tree.dataDir });
      return { url: x.url, httpUrl: x.httpUrl, port: x.port, prefix: x.netns.prefix, stop: () => x.stop() };
    });
  }
  if (['webdav nginx', 'webdav nginx bare', 'PROPFIND walk'].some(only)) {
    s.nginx = await tryStart(failed, 'nginx', async () => {
      const { startNginx } = await import('../../test/servers/nginx-server.ts');
      return startNginx({ dataDir: tree.dataDir });
    });
  }
  if (only('s3')) {
    s.s3 = await tryStart(failed, 's3rver', async () => {
      const { startS3Server, seedObjects } = await import('../../test/servers/s3-server.ts');
      const srv = await startS3Server({ bucket: 'bench' });
      await seedObjects(srv, tree.objects());
      return srv;
    });
  }
  if (only('dump')) {
    s.dumpFile = await tryStart(failed, 'dump', async () => {
      const r = spawnSync('find', [join(tree.dataDir, 'bench'), '-type', 'f', '-printf', '%p %s %T@\\n'], { maxBuffer: 1 << 30 });
      if (r.status !== 0) throw new Error(`find failed: ${r.stderr}`);
      const file = join(tree.dataDir, '..', `dump-${tree.files}.txt`);
      writeFileSync(file, r.stdout);
      return file;
    });
  }
  return s;
}

export async function stopServers(s: Servers): Promise<void> {
  await s.xrootd?.stop();
  await s.nginx?.stop();
  await s.s3?.stop();
}

const missing = (s: Servers, name: string) => `not available: ${name} did not start (${s.failed.get(name) ?? 'not started'})`;

/** Imports a lister module; a module not landed yet makes its row "not available". */
async function load<T>(path: string): Promise<T | string> {
  try {
    return (await import(path)) as T;
  } catch (err) {
    return `not available: ${path} (${(err as Error).message.split('\n')[0]})`;
  }
}

export function targets(tree: BenchTree, s: Servers, concurrency: number): Target[] {
  const timeoutSeconds = 60;
  return [
    {
      name: 'posix',
      make: async () => {
        const m = await load<typeof import('../../src/listers/posix/posix-lister.ts')>('../../src/listers/posix/posix-lister.ts');
        return typeof m === 'string' ? m : { lister: new m.PosixLister(pathToFileURL(tree.dataDir).href), top: '/bench' };
      },
    },
    {
      name: 'xrootd',
      make: async () => {
        if (!s.xrootd) return missing(s, 'xrootd');
        const m = await load<typeof import('../../src/listers/xrootd/xrootd-lister.ts')>('../../src/listers/xrootd/xrootd-lister.ts');
        return typeof m === 'string' ? m : { lister: new m.XrootdLister(s.xrootd.url, { requestTimeoutMs: timeoutSeconds * 1000 }), top: '/bench' };
      },
    },
    {
      name: 'webdav nginx',
      make: async () => {
        if (!s.nginx) return missing(s, 'nginx');
        const m = await load<typeof import('../../src/listers/webdav/webdav-lister.ts')>('../../src/listers/webdav/webdav-lister.ts');
        return typeof m === 'string' ? m : { lister: await m.WebdavLister.create({ url: s.nginx.httpUrl, concurrency, timeoutSeconds }), top: '/bench' };
      },
    },
    {
      name: 'webdav xrdhttp',
      make: async () => {
        if (!s.xrootd) return missing(s, 'xrootd');
        const m = await load<typeof import('../../src/listers/webdav/webdav-lister.ts')>('../../src/listers/webdav/webdav-lister.ts');
        return typeof m === 'string' ? m : { lister: await m.WebdavLister.create({ url: s.xrootd.httpUrl, concurrency, timeoutSeconds }), top: '/bench' };
      },
    },
    {
      name: 's3',
      make: async () => {
        if (!s.s3) return missing(s, 's3rver');
        const m = await load<typeof import('../../src/listers/s3/s3-lister.ts')>('../../src/listers/s3/s3-lister.ts');
        if (typeof m === 'string') return m;
        const { endpoint, bucket, credentials } = s.s3;
        return { lister: new m.S3Lister(
            { url: `s3://${bucket}/`, concurrency, timeoutSeconds, settings: { S3Endpoint: endpoint, S3Region: '', S3ForcePathStyle: true, S3Profile: '', S3PageSize: 1000 }, env: process.env },
            { credentials },
          ), top: '/bench' };
      },
    },
    {
      name: 'dump',
      make: async () => {
        if (!s.dumpFile) return missing(s, 'dump');
        const m = await load<typeof import('../../src/listers/dump/dump-lister.ts')>('../../src/listers/dump/dump-lister.ts');
        return typeof m === 'string' ? m : { lister: new m.DumpLister({ file: s.dumpFile, format: 'find' }), top: join(tree.dataDir, 'bench') };
      },
    },
    {
      name: 'xrdfs',
      make: async () => {
        if (!s.xrootd) return missing(s, 'xrootd');
        const m = await load<typeof import('../../src/listers/xrdfs/xrdfs-lister.ts')>('../../src/listers/xrdfs/xrdfs-lister.ts');
        if (typeof m === 'string') return m;
        const url = `root://127.0.0.1:${s.xrootd.port}`;
        return { lister: new m.XrdfsLister({ env: process.env, url, command: [...s.xrootd.prefix, 'xrdfs'], concurrency, timeoutMs: timeoutSeconds * 1000 }), top: '/bench' };
      },
    },
    {
      name: 'gfal',
      make: async () => {
        if (!s.xrootd) return missing(s, 'xrootd');
        const m = await load<typeof import('../../src/listers/gfal/gfal-lister.ts')>('../../src/listers/gfal/gfal-lister.ts');
        if (typeof m === 'string') return m;
        const url = `root://127.0.0.1:${s.xrootd.port}/`;
        return { lister: new m.GfalLister({ env: process.env, url, command: [...s.xrootd.prefix, 'gfal-ls'], concurrency, timeoutMs: timeoutSeconds * 1000 }), top: '/bench' };
      },
    },
  ];
}
