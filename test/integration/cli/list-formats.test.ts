/**
 * Bad input never costs data (issue 11 §1, §4, §5; issue 10 §7): `import` rejects what cannot be
 * right and refuses empty or shrinking files; `compare`, `compare3` and the dump inventory read
 * every list through one reader whose format is declared or detected once, never guessed per line.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runCli, type CliResult } from '../../helpers/run-cli.ts';
import { writeCliConfig, writeSiteFile } from '../../helpers/cli-fixture.ts';
import { removeTree } from '../../../src/demo/demo-site.ts';
import { DynamoInventory } from '../../../src/inventory/sql/dynamo-inventory.ts';
import { openInventoryDatabase } from '../../../src/inventory/sql/sql-inventory.ts';

const SITE = 'T2_FMT';
const D = '/store/mc/Era/Prim/TIER/Proc-v1/0000';
const OLD = Date.now() / 1000 - 5 * 86400;

let root: string;
let cfg: string;
let n = 0;

/** A fresh file under root with the given content (string or bytes). */
function file(content: string | Buffer, name = `in-${++n}.txt`): string {
  const p = join(root, name);
  writeFileSync(p, content);
  return p;
}

const cli = (args: string[]) => runCli([...args, '--config', cfg], { cwd: root });
const lines = (p: string) => readFileSync(p, 'utf8').split('\n').filter(Boolean);

/** The message of the error the CLI logged (JSON lines on stderr when not on a terminal). */
function errorMessage(r: CliResult): string {
  for (const l of r.stderr.split('\n')) {
    try {
      const j = JSON.parse(l);
      if (j.event === 'error') return String(j.message);
    } catch {
      // not JSON: a terminal log line
    }
  }
  return r.stderr;
}

/** The LFNs the embedded inventory holds for the site (through the inventory reader, whatever the layout). */
async function inventoryOf(site = SITE): Promise<Map<string, number | null>> {
  const db = await openInventoryDatabase({ engine: 'sqlite', location: join(root, 'var/inventory.sqlite') });
  try {
    const out = new Map<string, number | null>();
    for await (const b of new DynamoInventory(db).streamFiles(site)) for (const f of b) out.set(f.lfn, f.size);
    return out;
  } finally {
    await db.close();
  }
}

const GOOD = [`${D}/a.root 1`, `${D}/b.root 2 settled`, `${D}/c d.root 3 flux`, `${D}/e.root 4`];

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'dc-formats-'));
  mkdirSync(join(root, 'var'));
  mkdirSync(join(root, 'site'));
  const siteUrl = pathToFileURL(join(root, 'site')).href;
  cfg = writeCliConfig(root, { DirectoryList: undefined, Retries: undefined, Sites: { [SITE]: { Url: siteUrl }, T2_LOOSE: { Url: siteUrl, MaxImportShrink: 0.9 } } });
  const r = await cli(['import', '--site', SITE, file(GOOD.join('\n') + '\n')]);
  assert.equal(r.code, 0, r.stderr);
});
after(() => removeTree(root));

describe('import rejects what cannot be right (issue 11 §4): exit 3 naming the line, inventory unchanged', () => {
  const cases: [string, string | Buffer, number, RegExp][] = [
    ['the same LFN twice with different sizes', `${D}/a.root 1\n${D}/x.root 5\n${D}/x.root 6\n`, 3, /size 6 here and 5 on line 2/],
    ['a size beyond 2^53', `${D}/a.root 1\n${D}/big.root 9007199254740993\n`, 2, /larger than 2\^53-1/],
    ['a size that is not an integer', `${D}/a.root 1\n${D}/half.root 1.5\n`, 2, /size "1\.5" is not a non-negative integer/],
    ['a raw NUL byte', Buffer.from(`${D}/a.root 1\n${D}/n\0ul.root 1\n`), 2, /NUL byte/],
    ['an escaped NUL byte', `${D}/a.root 1\n${D}/n\\x00ul.root 1\n`, 2, /NUL byte/],
    ['a ".." component', `${D}/a.root 1\n/store/mc/../../etc/passwd 1\n`, 2, /"\.\." component/],
    ['a "." component', `${D}/./a.root 1\n`, 1, /"\." component/],
    ['an LFN longer than 4096 bytes', `${D}/a.root 1\n/store/${'x'.repeat(4100)} 1\n`, 2, /more than 4096/],
    ['a bad state word', `${D}/a.root 1\n${D}/w.root 7 weird\n`, 2, /bad state word "weird" \(expected settled or flux\)/],
  ];
  for (const [what, content, line, message] of cases) {
    it(`rejects ${what}`, async () => {
      const before = await inventoryOf();
      const p = file(content);
      const r = await cli(['import', '--site', SITE, p]);
      assert.equal(r.code, 3, r.stderr);
      const m = errorMessage(r);
      assert.ok(m.includes(`${p}:${line}:`), m);
      assert.match(m, message);
      assert.doesNotMatch(m, /size "weird"/);
      assert.deepEqual(await inventoryOf(), before);
    });
  }

  it('quotes binary input escaped and cut, never raw', async () => {
    const junk = Buffer.concat([Buffer.from('\x1b[2J\x7f'), Buffer.from([0xc2, 0x9b, 0xff, 0xfe]), Buffer.alloc(500, 0x41), Buffer.from('\n')]);
    const p = file(Buffer.concat([Buffer.from(`${D}/a.root 1\n`), junk]));
    const r = await cli(['import', '--site', SITE, p]);
    assert.equal(r.code, 3, r.stderr);
    const m = errorMessage(r);
    assert.ok(m.includes(`${p}:2:`), m);
    assert.ok(m.includes('"\\x1b[2J\\x7f\\xc2\\x9b\\xff\\xfe'), m);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(m, /[\x00-\x1f\x7f-\x9f\ufffd]/u, 'no control character or replacement character reaches the terminal');
    assert.ok(m.length < 400, `the line is cut: ${m.length} characters`);
  });
});

describe('import refuses an empty or shrinking file (issue 11 §1)', () => {
  it('refuses an empty file with the numbers, and takes it with --allow-empty on a new site', async () => {
    const empty = file('\n# nothing here\n\n');
    const r = await cli(['import', '--site', SITE, empty]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(errorMessage(r), /no entries \(3 lines read\).*--allow-empty/);
    assert.equal((await inventoryOf()).size, 4);
    const fresh = await cli(['import', '--site', 'T2_NEW', '--allow-empty', empty]);
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.match(fresh.stdout, /imported 0 files/);
  });

  it('refuses to empty a site even with --allow-empty unless --force', async () => {
    const empty = file('');
    const r = await cli(['import', '--site', SITE, '--allow-empty', empty]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(errorMessage(r), /from 4 to 0 files \(100\.0 % fewer\), more than MaxImportShrink 0\.5/);
    assert.equal((await inventoryOf()).size, 4);
  });

  it('refuses a file that shrinks the site by more than MaxImportShrink, takes it with --force', async () => {
    const one = file(`${D}/a.root 1\n`);
    const r = await cli(['import', '--site', SITE, one]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(errorMessage(r), /would shrink T2_FMT's inventory from 4 to 1 files \(75\.0 % fewer\), more than MaxImportShrink 0\.5 allows\. Give --force/);
    assert.equal((await inventoryOf()).size, 4);
    const half = await cli(['import', '--site', SITE, file(GOOD.slice(0, 2).join('\n') + '\n')]);
    assert.equal(half.code, 0, 'a shrink of exactly MaxImportShrink passes: ' + half.stderr);
    assert.equal((await inventoryOf()).size, 2, 'the import replaced the site: files left out are gone');
    const back = await cli(['import', '--site', SITE, file(GOOD.join('\n') + '\n')]);
    assert.equal(back.code, 0, back.stderr);
    const forced = await cli(['import', '--site', SITE, '--force', one]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /imported 1 files .*\(was 4 files\)/);
    assert.deepEqual([...(await inventoryOf()).keys()], [`${D}/a.root`], 'only the imported file is left');
    assert.equal((await cli(['import', '--site', SITE, file(GOOD.join('\n') + '\n')])).code, 0);
  });

  it('reads MaxImportShrink per site', async () => {
    assert.equal((await cli(['import', '--site', 'T2_LOOSE', file(GOOD.join('\n') + '\n')])).code, 0);
    const r = await cli(['import', '--site', 'T2_LOOSE', file(`${D}/a.root 1\n`)]);
    assert.equal(r.code, 0, r.stderr);
  });

  it('prints the format it read, and the empty lines it skipped', async () => {
    const r = await cli(['import', '--site', SITE, file(['', ...GOOD, '', `${D}/b.root 2`].join('\n') + '\n')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /format lfn-size \(detected from its first 7 lines\); 2 empty lines skipped; 1 repeated line kept once/);
  });
});

describe('compare reads list formats declared or detected once, never line by line (issue 11 §5)', () => {
  it('keeps a name ending in " 2" or "\\t7" whole in a path list', async () => {
    // A path-only dump: "/store/a 2" and "/store/a" are two different files.
    const inv = file('/store/a 2\n/store/b\t7\n/store/c\n');
    const rem = file('/store/a\n/store/b\n/store/c\n');
    const r = await cli(['compare', '--format', 'paths', inv, rem, join(root, 'out/paths')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /inventory .*: paths \(declared\), 3 entries/);
    assert.deepEqual(lines(join(root, 'out/paths_missing.txt')), ['/store/a 2', '/store/b\\t7']);
    assert.deepEqual(lines(join(root, 'out/paths_orphan.txt')), ['/store/a', '/store/b']);
  });

  it('detects each file once and prints it; a file mixing both shapes is an error naming the line', async () => {
    const inv = file('/store/a 1\n/store/b 2\n');
    const rem = file('/store/a\n/store/b\n');
    const ok = await cli(['compare', inv, rem, join(root, 'out/detect')]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /inventory .*: lfn-size \(detected from its first 2 lines\), 2 entries/);
    assert.match(ok.stdout, /remote .*: paths \(detected from its first 2 lines\), 2 entries/);
    assert.match(ok.stdout, /0 missing, 0 orphan, 0 size mismatch/);
    const mixed = file('/store/a 1\n/store/b\n/store/c 3\n');
    const r = await cli(['compare', mixed, rem, join(root, 'out/mixed')]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(errorMessage(r), new RegExp(`${mixed}:2: no size column .*line 1 ends in a size column.*--format`));
  });

  it('takes a format per file', async () => {
    const inv = file('/store/a 1\n/store/b 2\n');
    const rem = file('/store/a 1\n/store/b 2\n');
    const r = await cli(['compare', '--format', 'lfn-size', '--format', 'remote=paths', inv, rem, join(root, 'out/per-file')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /inventory .*: lfn-size \(declared\)/);
    assert.match(r.stdout, /remote .*: paths \(declared\)/);
    assert.match(r.stdout, /2 missing, 2 orphan/);
    const bad = await cli(['compare', '--format', 'scan=paths', inv, rem, join(root, 'out/bad-role')]);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(errorMessage(bad), /unknown input "scan" \(inputs: inventory, remote\)/);
  });

  it('skips and counts empty lines; a line of spaces or a raw trailing space is an error, escaped spaces are names', async () => {
    const inv = file('\n/store/a\n\n/store/sp\\x20\n\n');
    const rem = file('/store/a\n/store/sp \n');
    const r = await cli(['compare', '--format', 'paths', inv, rem, join(root, 'out/spaces')]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(errorMessage(r), new RegExp(`${rem}:2: the name ends with a raw space or tab`));
    const good = await cli(['compare', '--format', 'paths', inv, file('/store/a\n/store/sp\\x20\n'), join(root, 'out/spaces-ok')]);
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /inventory .*: paths \(declared\), 2 entries, 3 empty lines skipped/);
    assert.match(good.stdout, /0 missing, 0 orphan/);
    const blank = await cli(['compare', '--format', 'paths', file('/store/a\n   \n'), rem, join(root, 'out/blank')]);
    assert.equal(blank.code, 3, blank.stderr);
    assert.match(errorMessage(blank), /:2: the name starts with a raw space/);
  });

  it('compares a Rucio dump with a path list', async () => {
    const row = (lfn: string, size: number) => ['T2_X', 'cms', lfn, 'ad:1', String(size), '2024-01-01', lfn, '2024-01-02', 'A'].join('\t');
    const inv = file([row('/store/a 2', 5), row('/store/b', 6)].join('\n') + '\n');
    const rem = file('/store/a 2\n');
    const r = await cli(['compare', '--format', 'remote=paths', inv, rem, join(root, 'out/rucio')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /inventory .*: rucio-dump \(detected from its first line/);
    assert.deepEqual(lines(join(root, 'out/rucio_missing.txt')), ['/store/b']);
  });
});

describe('compare3 reads list formats the same way (issue 11 §5)', () => {
  it('keeps a scanned name ending in " 2" whole', async () => {
    const b = file('/store/a 10\n/store/k 1\n');
    const a = file('/store/a 10\n/store/k 1\n');
    const s = file('/store/a 2\n/store/k\n');
    const r = await cli(['compare3', '--format', 'scan=paths', b, s, a, join(root, 'out/c3')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /scan .*: paths \(declared\), 2 entries/);
    assert.match(r.stdout, /before .*: lfn-size \(detected/);
    assert.deepEqual(lines(join(root, 'out/c3_missing.txt')), ['/store/a']);
    assert.deepEqual(lines(join(root, 'out/c3_orphan.txt')), ['/store/a 2']);
  });

  it('names the first line that disagrees with the declared format', async () => {
    const b = file('/store/a 10\n/store/b\n');
    const s = file('/store/a\n');
    const r = await cli(['compare3', '--format', 'lfn-size', '--format', 'scan=paths', b, s, b, join(root, 'out/c3bad')]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(errorMessage(r), new RegExp(`${b}:2: no size column`));
  });
});

describe('a dump inventory of bare LFNs (issue 10 §7)', () => {
  it('has unknown sizes: no size mismatch from it', async () => {
    const dir = join(root, 'dump-site');
    const site = join(dir, 'site');
    const put = (lfn: string, size: number) => writeSiteFile(site, lfn, size, OLD);
    put(`${D}/x.root`, 10);
    put(`${D}/y.root`, 20);
    mkdirSync(join(dir, 'var'), { recursive: true });
    writeFileSync(join(dir, 'lfns.txt'), `${D}/x.root\n${D}/y.root\n${D}/gone.root\n`);
    const config = writeCliConfig(dir, { DirectoryList: undefined, Retries: undefined, Sites: { T2_DUMP: { Url: pathToFileURL(site).href } }, Inventory: { Type: 'dump', Path: 'lfns.txt' } });
    const r = await runCli(['check', '--site', 'T2_DUMP', '--dry-run', '--json', '--config', config], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.equal(s.sizeMismatch.count, 0);
    assert.equal(s.missing.count, 1);
    assert.equal(s.inventory.files, 3);
    assert.equal(s.inventory.bytes, 0, 'unknown sizes add no bytes');
  });
});
