/**
 * A real S3 server for the tests: npm `s3rver@3` in its own node process, bound to 127.0.0.1 on a
 * free port. It must run with `--openssl-legacy-provider` (SERVERS.md: its paged listing fails
 * otherwise), which is why it is a child process and not in-process.
 *
 * One adaptation, in the child only: s3rver keeps each object in a file named `<leaf>._S3rver_object`
 * (plus `._S3rver_metadata.json`), so a 255-byte leaf name — legal in S3, and in the conformance
 * fixture — overflows NAME_MAX. The child stores such a leaf as two path components joined by
 * "/\u0001" and joins them back when listing; everything on the wire stays s3rver's own.
 */
import { isUtf8 } from 'node:buffer';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { addExitCleanup } from './netns.ts';

export interface S3Server {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  bucket: string;
  /** s3rver's fixed credentials. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Store directory (s3rver's filesystem layout). */
  directory: string;
  /** An SDK client for uploads (path style, s3rver credentials). */
  client(): S3Client;
  stop(): Promise<void>;
}

const CHILD = String.raw`
const FilesystemStore = require('s3rver/lib/stores/filesystem');
const S3rver = require('s3rver');
const SUFFIX = 22; // "._S3rver_metadata.json"
const plain = FilesystemStore.encodeKeyPath;
FilesystemStore.encodeKeyPath = (key) => {
  const parts = plain(key).split('/');
  const leaf = parts[parts.length - 1];
  if (Buffer.byteLength(leaf) + SUFFIX <= 255) return parts.join('/');
  let cut = 0, bytes = 0;
  for (const ch of leaf) { bytes += Buffer.byteLength(ch); if (bytes > 120) break; cut += ch.length; }
  parts[parts.length - 1] = leaf.slice(0, cut) + '/\u0001' + leaf.slice(cut);
  return parts.join('/');
};
const plainDecode = FilesystemStore.decodeKeyPath;
FilesystemStore.decodeKeyPath = (p) => plainDecode(p).split('/\u0001').join('');
const [directory, bucket] = process.argv.slice(-2);
new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] })
  .run()
  .then((addr) => process.stdout.write(JSON.stringify(addr) + '\n'), (err) => { console.error(err); process.exit(1); });
process.on('SIGTERM', () => process.exit(0));
`;

export const S3RVER_HINT = 'npm s3rver@3 is a devDependency: run `npm ci` in the repository';

export async function startS3Server(opts: { bucket?: string } = {}): Promise<S3Server> {
  // The SDK warns once per process that releases after January 2027 need Node 22; we pin one.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const require = createRequire(import.meta.url);
  let s3rverDir: string;
  try {
    s3rverDir = require.resolve('s3rver');
  } catch {
    throw new Error(`s3rver is not installed: ${S3RVER_HINT}`);
  }
  const bucket = opts.bucket ?? 'dc-test';
  const directory = await mkdtemp(join(tmpdir(), 'dctest-s3rver-'));
  const forget = addExitCleanup(() => child?.kill('SIGKILL'));
  let child: ChildProcess | undefined = spawn(process.execPath, ['--openssl-legacy-provider', '-e', CHILD, directory, bucket], {
    cwd: s3rverDir.slice(0, s3rverDir.indexOf('/node_modules/') + 1),
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-8000)));
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`s3rver did not start in 15 s: ${stderr}`)), 15_000);
    child!.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      try {
        resolve((JSON.parse(buf.slice(0, nl)) as { port: number }).port);
      } catch (err) {
        reject(err);
      }
    });
    child!.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`s3rver exited (code ${code}) before listening: ${stderr}`));
    });
  }).catch(async (err) => {
    child?.kill('SIGKILL');
    forget();
    await rm(directory, { recursive: true, force: true });
    throw err;
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  const clients: S3Client[] = [];
  let stopped = false;
  return {
    endpoint,
    bucket,
    credentials,
    directory,
    client() {
      const c = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials, maxAttempts: 3 });
      clients.push(c);
      return c;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const c of clients) c.destroy();
      const c = child;
      child = undefined;
      if (c && c.exitCode === null && c.signalCode === null) {
        const gone = new Promise<void>((r) => c.once('exit', () => r()));
        c.kill('SIGTERM');
        const t = setTimeout(() => c.kill('SIGKILL'), 3_000);
        await gone;
        clearTimeout(t);
      }
      forget();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * Uploads every file below `localDir` as `keyPrefix + relative path` through the S3 API (PUT),
 * `parallel` at a time. Returns the number of objects.
 */
export async function uploadTree(server: S3Server, localDir: string, keyPrefix: string, parallel = 8): Promise<number> {
  const files: string[] = [];
  const scan = async (rel: string) => {
    for (const d of await readdir(join(localDir, rel), { withFileTypes: true, encoding: 'buffer' as BufferEncoding })) {
      // S3 keys are UTF-8 (the API's rule): a name that is not cannot be uploaded, so it is left out.
      const raw = d.name as unknown as Buffer;
      if (!isUtf8(raw)) continue;
      const r = rel ? `${rel}/${raw.toString('utf8')}` : raw.toString('utf8');
      if (d.isDirectory()) await scan(r);
      else if (d.isFile()) files.push(r);
    }
  };
  await scan('');
  const client = server.client();
  const { readFile } = await import('node:fs/promises');
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const rel = files[next++];
      const Body = await readFile(join(localDir, rel));
      await client.send(new PutObjectCommand({ Bucket: server.bucket, Key: keyPrefix + rel, Body }));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, parallel) }, worker));
  return files.length;
}

/**
 * Seeds objects straight into s3rver's store layout (one `<leaf>._S3rver_object` file per key), for
 * benchmarks with 100 000 keys where uploading through the API would take minutes. Listing still
 * goes through the real server. Keys must be plain (no 255-byte leaves).
 */
export async function seedObjects(server: S3Server, objects: Iterable<{ key: string; size: number; mtime: number }>): Promise<number> {
  let n = 0;
  const made = new Set<string>();
  for (const o of objects) {
    const path = join(server.directory, server.bucket, `${o.key}._S3rver_object`);
    const dir = path.slice(0, path.lastIndexOf('/'));
    if (!made.has(dir)) {
      await mkdir(dir, { recursive: true });
      made.add(dir);
    }
    const body = Buffer.alloc(o.size);
    await writeFile(path, body);
    // s3rver computes a missing .md5 on first listing (reading every object): write it here.
    await writeFile(`${path}.md5`, createHash('md5').update(body).digest('hex'));
    await utimes(path, o.mtime, o.mtime);
    n++;
  }
  await stat(join(server.directory, server.bucket));
  return n;
}
