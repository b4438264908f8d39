/**
 * bench/listers: files per second of every lister on the same generated tree, through the walker,
 * next to two reference walks that use no lister code (gfal-ls per directory, plain PROPFIND).
 * Not part of the test suite. See README.md.
 *   node --import tsx bench/listers/run.ts [--files 100000] [--dirs 2000] [--concurrency 8] [--only s3,dump]
 */
import { parseArgs } from 'node:util';
import { walk } from '../../src/listers/walker.ts';
import { gfalLsWalk, propfindWalk, type WalkCount } from './baselines.ts';
import { generateTree } from './generate.ts';
import { startServers, stopServers, targets } from './targets.ts';

interface Row {
  name: string;
  files?: number;
  dirs?: number;
  seconds?: number;
  note: string;
}

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '100000' },
    dirs: { type: 'string' },
    concurrency: { type: 'string', default: '8' },
    only: { type: 'string' },
    root: { type: 'string', default: '/tmp/dc-bench-listers' },
  },
});
const files = Number(values.files);
const leafDirs = Number(values.dirs ?? Math.max(1, Math.round(files / 50)));
const concurrency = Number(values.concurrency);
const wanted = values.only?.split(',').map((s) => s.trim());
const only = (name: string) => !wanted || wanted.includes(name);

async function timed(fn: () => Promise<WalkCount>): Promise<{ count: WalkCount; seconds: number }> {
  const t0 = process.hrtime.bigint();
  const count = await fn();
  return { count, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const t0 = Date.now();
  const tree = generateTree(values.root!, files, leafDirs);
  console.error(`tree: ${tree.files} files in ${tree.dirs} directories at ${tree.dataDir} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  const servers = await startServers(tree, only);
  const rows: Row[] = [];
  try {
    for (const t of targets(tree, servers, concurrency)) {
      if (!only(t.name)) continue;
      const made = await t.make();
      if (typeof made === 'string') {
        rows.push({ name: t.name, note: made });
        continue;
      }
      const { lister, top } = made;
      try {
        const r = await timed(async () => {
          let n = 0;
          let d = 0;
          const unlisted: string[] = [];
          for await (const ev of walk(lister, { tops: [top], concurrency, retries: 1, timeoutMs: 120_000 })) {
            if (ev.type === 'files') n += ev.files.length;
            else if (ev.type === 'dir') d++;
            else unlisted.push(`${ev.lfn}: ${ev.message}`);
          }
          if (unlisted.length) throw new Error(`${unlisted.length} unlisted, first ${unlisted[0]}`);
          return { files: n, dirs: d };
        });
        const mode = lister.listTree ? 'listTree' : 'per directory';
        rows.push({ name: t.name, files: r.count.files, dirs: r.count.dirs, seconds: r.seconds, note: r.count.files === tree.files ? mode : `${mode}; expected ${tree.files} files` });
      } catch (err) {
        rows.push({ name: t.name, note: `failed: ${(err as Error).message.split('\n')[0]}` });
      } finally {
        await lister.close();
      }
      console.error(`  ${t.name} done`);
    }
    if (only('gfal-ls walk')) {
      if (!servers.xrootd) rows.push({ name: 'gfal-ls walk', note: 'not available: xrootd did not start' });
      else {
        const r = await timed(() => gfalLsWalk([...servers.xrootd!.prefix, 'gfal-ls'], `root://127.0.0.1:${servers.xrootd!.port}/`, '/bench', concurrency)).catch((e: Error) => e);
        rows.push(r instanceof Error ? { name: 'gfal-ls walk', note: `failed: ${r.message}` } : { name: 'gfal-ls walk', files: r.count.files, dirs: r.count.dirs, seconds: r.seconds, note: 'baseline: no lister code' });
      }
    }
    if (only('PROPFIND walk')) {
      if (!servers.nginx) rows.push({ name: 'PROPFIND walk', note: 'not available: nginx did not start' });
      else {
        const r = await timed(() => propfindWalk(servers.nginx!.httpUrl, '/bench', concurrency)).catch((e: Error) => e);
        rows.push(r instanceof Error ? { name: 'PROPFIND walk', note: `failed: ${r.message}` } : { name: 'PROPFIND walk', files: r.count.files, dirs: r.count.dirs, seconds: r.seconds, note: 'baseline (nginx): no lister code' });
      }
    }
  } finally {
    await stopServers(servers);
  }
  printTable(rows, concurrency);
}

function printTable(rows: Row[], conc: number): void {
  const head = ['lister', 'files', 'dirs', 'seconds', 'files/s', 'note'];
  const body = rows.map((r) => [
    r.name,
    r.files?.toString() ?? '-',
    r.dirs?.toString() ?? '-',
    r.seconds?.toFixed(2) ?? '-',
    r.files !== undefined && r.seconds ? Math.round(r.files / r.seconds).toString() : '-',
    r.note,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 1 && i <= 4 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  console.log(`\nfiles per second, ${files} files in ${leafDirs} leaf directories, concurrency ${conc}, loopback / test namespace\n`);
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
