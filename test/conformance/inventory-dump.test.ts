/**
 * Inventory conformance of the dump readers (Rucio replica dumps, plain LFN lists; plain and gz;
 * one file or one per site), with queues from files, and their input errors.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DcError } from '../../src/core/errors.ts';
import { DumpInventory } from '../../src/inventory/dump/dump-inventory.ts';
import { FileQueueSource } from '../../src/inventory/dump/dump-queue-files.ts';
import { withQueues } from '../../src/inventory/inventory-queues.ts';
import { writeFixtureDumps, type DumpLayout } from './inventory-fixture.ts';
import { runInventoryConformance, type InventoryGapKey } from './inventory-suite.ts';

const NO_DATASETS = 'dumps know no datasets: only the queue files filter';
const layouts: [DumpLayout, Partial<Record<InventoryGapKey, string>>][] = [
  ['rucio-one-file-gz', { datasets: NO_DATASETS, sitesFromRows: 'one dump for all sites: its rse column names them' }],
  ['rucio-per-site', { datasets: NO_DATASETS, unknownSiteFails: 'a site without a dump file is an error, not an empty site' }],
  ['plain-per-site', { datasets: NO_DATASETS, inFlux: 'plain lists cannot say in flux', unknownSiteFails: 'a site without a dump file is an error, not an empty site' }],
];

for (const [layout, gaps] of layouts) {
  runInventoryConformance(
    `dump (${layout})`,
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'dc-inv-dump-'));
      const { path, deletions, transfers } = writeFixtureDumps(dir, layout);
      const inventory = withQueues(new DumpInventory(path), [new FileQueueSource({ deletions, transfers })]);
      return { inventory, teardown: async () => { await inventory.close(); await rm(dir, { recursive: true, force: true }); } };
    },
    gaps,
  );
}

describe('dump inventory: input errors and formats', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dc-inv-dump-err-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const read = async (path: string, site = 'T2_X') => {
    const out = [];
    for await (const b of new DumpInventory(path).streamFiles(site)) out.push(...b);
    return out;
  };
  const row = (state: string, size = '10', path = '/store/a b.root') => ['T2_X', 'cms', '/store/n.root', 'ad:1', size, '2024-01-01', path, '2024-01-02', state].join('\t');

  it('names the file and line of a Rucio row with a bad size', async () => {
    const path = join(dir, 'bad-size.tsv.gz');
    await writeFile(path, gzipSync([row('A'), row('A'), row('A', '12x')].join('\n') + '\n'));
    await assert.rejects(read(path), (e: unknown) => e instanceof DcError && e.code === 'INPUT' && e.message.startsWith(`${path}:3:`) && /size/.test(e.message));
  });

  it('names the file and line of a Rucio row with missing columns', async () => {
    const path = join(dir, 'short.tsv');
    await writeFile(path, [row('A'), '', 'T2_X\tcms\t/store/x.root'].join('\n'));
    await assert.rejects(read(path), (e: unknown) => e instanceof DcError && e.code === 'INPUT' && e.message.startsWith(`${path}:3:`));
  });

  it('takes the LFN from path, or from name when path is empty; only state A is settled', async () => {
    const path = join(dir, 'states.tsv');
    await writeFile(path, [row('A'), row('C', '11', ''), row('U', '12', '/store/u.root')].join('\n') + '\n');
    const got = await read(path);
    assert.deepEqual(got.map((f) => [f.lfn, f.size, f.settled]), [['/store/a b.root', 10, true], ['/store/n.root', 11, false], ['/store/u.root', 12, false]]);
  });

  it('reads lfn-size lists (names with spaces kept) and bare LFN lists (sizes unknown), each detected once', async () => {
    const sized = join(dir, 'sized.txt');
    await writeFile(sized, '/store/with space/f.root 42\n\n/store/h.root\t7\n/store/i.root 8 flux\n');
    assert.deepEqual((await read(sized)).map((f) => [f.lfn, f.size, f.settled]), [['/store/with space/f.root', 42, true], ['/store/h.root', 7, true], ['/store/i.root', 8, false]]);
    const bare = join(dir, 'bare.txt');
    await writeFile(bare, '/store/g.root\n/store/name with space.root\n');
    assert.deepEqual((await read(bare)).map((f) => [f.lfn, f.size, f.settled]), [['/store/g.root', null, true], ['/store/name with space.root', null, true]]);
    assert.deepEqual((await new DumpInventory(bare).formatOf(bare)).format, 'paths');
    const declared = join(dir, 'declared.txt');
    await writeFile(declared, '/store/name ending 2\n');
    const out = [];
    for await (const b of new DumpInventory(declared, 'paths').streamFiles('T2_X')) out.push(...b);
    assert.deepEqual(out.map((f) => [f.lfn, f.size]), [['/store/name ending 2', null]]);
  });

  it('rejects a list mixing sized and bare lines, naming the first line that disagrees', async () => {
    const path = join(dir, 'mixed.txt');
    await writeFile(path, '/store/a.root 1\n/store/b.root\n');
    await assert.rejects(read(path), (e: unknown) => e instanceof DcError && e.code === 'INPUT' && e.message.startsWith(`${path}:2:`));
  });

  it('fails with NOT_FOUND when the dump is absent, and with INPUT on a corrupt gzip', async () => {
    await assert.rejects(read(join(dir, 'nope.txt')), (e: unknown) => e instanceof DcError && e.code === 'NOT_FOUND');
    const path = join(dir, 'corrupt.gz');
    const gz = gzipSync('/store/a.root\n'.repeat(1000));
    await writeFile(path, gz.subarray(0, gz.length - 20));
    await assert.rejects(read(path), (e: unknown) => e instanceof DcError && e.code === 'INPUT');
  });

  it('rejects a queue-file line that names neither an LFN nor a dataset', async () => {
    const path = join(dir, 'queue.txt');
    await writeFile(path, '/store/mc/E/P/T/Proc/0000/f.root\nnot-a-path\n');
    await assert.rejects(new FileQueueSource({ deletions: path }).collectQueuedDeletions('T2_X'), (e: unknown) => e instanceof DcError && e.code === 'INPUT' && e.message.includes(`${path}:2:`));
  });
});
