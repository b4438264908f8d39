/**
 * Dump lister conformance. Two dumps of the same fixture: a gzipped one written by the real
 * `find -type f -printf '%p %s %T@\n'` (files only, so directories are derived), and a CSV one with
 * a type column, which carries directories with their own mtimes, empty ones included.
 */
import { spawnSync } from 'node:child_process';
import { lstat, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { decodeName, encodeName } from '../../src/core/name-bytes.ts';
import { createLister } from '../../src/listers/registry.ts';
import { siteBackend } from '../helpers/backend-site.ts';
import { runListerConformance } from './lister-suite.ts';

const dumpFree = {
  forbiddenDirectory: 'a dump file is read whole: there is no directory the storage could refuse',
};

runListerConformance(
  'dump (find -printf, gzip)',
  async ({ fixtureDir }) => {
    const r = spawnSync('find', [fixtureDir, '-type', 'f', '-printf', '%p %s %T@\\n'], { maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(`find failed: ${r.stderr}`);
    const file = join(fixtureDir, '..', 'dump.txt.gz');
    await writeFile(file, gzipSync(r.stdout));
    const lister = await createLister(siteBackend({ Url: `dump://${file}`, NumThreads: 4, Timeout: 20, DumpFormat: 'find', MaxDumpAge: 1 }, process.env));
    return { lister, root: fixtureDir, teardown: () => lister.close() };
  },
  {
    ...dumpFree,
    emptyDirectories: 'find -type f lists files only: an empty directory leaves no line',
    directoryMtimes: 'directories are derived from file paths: their mtime is the newest file below',
  },
);

/** RFC 4180 quoting for the CSV dump. */
const q = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

runListerConformance(
  'dump (CSV with type column)',
  async ({ fixtureDir }) => {
    const rows: string[] = [];
    const scan = async (rel: string) => {
      // Names as bytes: the fixture holds names that are not UTF-8, written to the dump as they are.
      for (const name of (await readdir(encodeName(join(fixtureDir, rel)), { encoding: 'buffer' })).map((b) => decodeName(b))) {
        const r = `${rel}/${name}`;
        const st = await lstat(encodeName(join(fixtureDir, r)));
        rows.push([st.isDirectory() ? 'd' : 'f', String(st.mtimeMs / 1000), String(st.isDirectory() ? 0 : st.size), q('/fixture' + r)].join(','));
        if (st.isDirectory()) await scan(r);
      }
    };
    await scan('');
    const file = join(fixtureDir, '..', 'dump.csv');
    // Unsorted (reversed: children before parents) and CRLF: neither may matter.
    await writeFile(file, encodeName(['type,mtime,size,path', ...rows.reverse()].join('\r\n') + '\r\n'));
    const lister = await createLister(siteBackend({ Url: 'root://unused.example:1094/', NumThreads: 4, Timeout: 20, AccessMethod: 'RAL-Reader', DumpPath: file }, process.env));
    return { lister, root: '/fixture', teardown: () => lister.close() };
  },
  dumpFree,
);
