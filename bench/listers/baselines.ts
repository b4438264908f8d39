/**
 * Reference walks that use no lister code: `gfal-ls` driven directory by directory, and a plain
 * PROPFIND Depth:1 walk with a regular expression for hrefs. They show what the tools cost by
 * themselves, next to the listers' numbers.
 */
import { spawn } from 'node:child_process';
import { request } from 'undici';
import type { Lister } from '../../src/listers/lister.ts';

export interface WalkCount {
  files: number;
  dirs: number;
}

/** Runs `worker` over a growing queue of directories with at most `concurrency` at once. */
async function pool(first: string, concurrency: number, worker: (dir: string) => Promise<string[]>): Promise<number> {
  const queue = [first];
  let active = 0;
  let dirs = 0;
  let failure: unknown;
  await new Promise<void>((resolve) => {
    const pump = () => {
      if (failure !== undefined || (queue.length === 0 && active === 0)) return resolve();
      while (active < concurrency && queue.length) {
        const dir = queue.pop()!;
        active++;
        worker(dir)
          .then((subdirs) => {
            dirs++;
            queue.push(...subdirs);
          })
          .catch((err) => (failure ??= err))
          .finally(() => {
            active--;
            pump();
          });
      }
    };
    pump();
  });
  if (failure !== undefined) throw failure;
  return dirs;
}

/** `gfal-ls -l URL` per directory, `concurrency` processes at once; counts lines starting with "-". */
export async function gfalLsWalk(command: readonly string[], baseUrl: string, top: string, concurrency: number): Promise<WalkCount> {
  let files = 0;
  const env = { ...process.env, GFAL_PYTHONBIN: '/usr/bin/python3' };
  const dirs = await pool(top, concurrency, (dir) => {
    const [cmd, ...pre] = command;
    return new Promise<string[]>((resolve, reject) => {
      const child = spawn(cmd, [...pre, '-l', baseUrl + dir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.once('error', reject);
      child.once('close', (code) => {
        if (code !== 0) return reject(new Error(`gfal-ls ${baseUrl + dir} exited ${code}`));
        const subdirs: string[] = [];
        for (const line of out.split('\n')) {
          if (line.startsWith('-')) files++;
          else if (line.startsWith('d')) subdirs.push(`${dir}/${line.replace(/\t$/, '').split(/\s+/).slice(8).join(' ')}`);
        }
        resolve(subdirs);
      });
    });
  });
  return { files, dirs };
}

/**
 * A lister's `listDir` driven by the same small pool as the PROPFIND walk, without the walker
 * (retries, timeouts, summaries): the lister's own cost, on equal terms with that baseline.
 */
export async function listDirWalk(lister: Lister, top: string, concurrency: number): Promise<WalkCount> {
  let files = 0;
  const dirs = await pool(top, concurrency, async (dir) => {
    const subdirs: string[] = [];
    for await (const batch of lister.listDir(dir, new AbortController().signal)) {
      for (const e of batch) {
        if (e.isDir) subdirs.push(`${dir}/${e.name}`);
        else files++;
      }
    }
    return subdirs;
  });
  return { files, dirs };
}

/** PROPFIND Depth:1 per directory over keep-alive connections; hrefs picked out with a regex. */
export async function propfindWalk(origin: string, top: string, concurrency: number): Promise<WalkCount> {
  let files = 0;
  const body = '<?xml version="1.0"?><propfind xmlns="DAV:"><prop><resourcetype/><getcontentlength/><getlastmodified/></prop></propfind>';
  const dirs = await pool(top, concurrency, async (dir) => {
    const path = dir.split('/').map(encodeURIComponent).join('/') + '/';
    const r = await request(origin + path, { method: 'PROPFIND', headers: { depth: '1', 'content-type': 'application/xml' }, body });
    const xml = await r.body.text();
    if (r.statusCode !== 207) throw new Error(`PROPFIND ${path}: ${r.statusCode}`);
    const subdirs: string[] = [];
    for (const m of xml.matchAll(/<(?:\w+:)?response\b[\s\S]*?<\/(?:\w+:)?response>/g)) {
      const href = /<(?:\w+:)?href>([^<]*)</.exec(m[0])?.[1] ?? '';
      const rel = decodeURIComponent(href.replace(/^https?:\/\/[^/]+/, '')).replace(/\/$/, '');
      if (rel === dir || rel === '') continue;
      if (/<(?:\w+:)?collection\s*\/>/.test(m[0])) subdirs.push(rel);
      else files++;
    }
    return subdirs;
  });
  return { files, dirs };
}
