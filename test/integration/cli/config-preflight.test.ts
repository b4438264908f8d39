import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runCli } from '../../helpers/run-cli.ts';

/**
 * Issue "bad input never costs data" §3: a configuration is checked against the machine before a
 * run is recorded or a file written. Each case: exit 2, the key and the file named, nothing on disk.
 */
let dir: string;
let site: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'dc-preflight-'));
  site = join(dir, 'site');
  mkdirSync(join(site, 'store', 'mc'), { recursive: true });
  writeFileSync(join(site, 'store', 'mc', 'f.root'), 'x');
});
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** A fresh directory with a configuration; returns what is needed to run and inspect it. */
function setup(over: Record<string, unknown>, siteOver: Record<string, unknown> = {}) {
  const d = join(dir, `case${n++}`);
  mkdirSync(d);
  const cfg = { RootPath: '/store', VarLocation: 'var', WebDir: 'www', Inventory: { Type: 'sqlite', Path: 'inv.sqlite' }, Sites: { T2_A: { Url: pathToFileURL(site).href, ...siteOver } }, ...over };
  const file = join(d, 'consistency_config.json');
  writeFileSync(file, JSON.stringify(cfg));
  return { d, file };
}

async function expectConfigError(c: { d: string; file: string }, args: string[], key: RegExp, why: RegExp) {
  const r = await runCli(['--config', c.file, ...args], { cwd: c.d });
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, key);
  assert.match(r.stderr, why);
  assert.ok(r.stderr.includes(c.file), `the file is named: ${r.stderr}`);
  assert.deepEqual(readdirSync(c.d), ['consistency_config.json'], 'nothing was written');
  return r;
}

describe('configuration checked before anything runs', () => {
  it('a Url with an unsupported scheme, or that is no URL, is exit 2 before any run is recorded', async () => {
    await expectConfigError(setup({}, { Url: 'ftp://example.org/store' }), ['check'], /Sites\.T2_A\.Url/, /scheme ftp:\/\/ is not supported/);
    await expectConfigError(setup({}, { Url: 'not a url' }), ['check'], /Sites\.T2_A\.Url/, /is not a URL/);
    await expectConfigError(setup({}, { AccessMethod: 'Carrier-Pigeon' }), ['check'], /Sites\.T2_A\.AccessMethod/, /expected one of/);
  });

  it('an Inventory path whose directory does not exist', async () => {
    const c = setup({ Inventory: { Type: 'sqlite', Path: 'no/such/dir/inv.sqlite' } });
    await expectConfigError(c, ['check'], /Inventory\.Path/, /does not exist/);
    await expectConfigError(c, ['import', '--site', 'T2_A', c.file], /Inventory\.Path/, /does not exist/);
  });

  it('a SQLite inventory that does not exist is named, with how to make one', async () => {
    await expectConfigError(setup({}), ['check'], /Inventory\.Path/, /no inventory at .*inv\.sqlite: load one with `import/);
  });

  it('a History.Url of an unknown engine', async () => {
    const c = setup({ History: { Url: 'redis://127.0.0.1:6379/0' } });
    await expectConfigError(c, ['check'], /History\.Url/, /unknown database engine/);
    await expectConfigError(c, ['set-status', 'T2_A', 'act'], /History\.Url/, /unknown database engine/);
  });

  it('numbers beyond what the runtime keeps: Timeout 1e10 is refused, not turned into 1 ms', async () => {
    await expectConfigError(setup({ Timeout: 1e10 }), ['check'], /Timeout/, /at most 2147483 seconds/);
  });

  it('a VarLocation on a pseudo-filesystem is refused at once (it used to spin for minutes)', async () => {
    const t0 = Date.now();
    await expectConfigError(setup({ VarLocation: '/proc/self' }), ['check'], /VarLocation/, /pseudo-filesystem \(proc\)/);
    assert.ok(Date.now() - t0 < 30_000);
  });

  it('a VarLocation that is a file, or read-only, says which', async () => {
    const f = join(dir, 'a-file');
    writeFileSync(f, '');
    await expectConfigError(setup({ VarLocation: f }), ['check'], /VarLocation/, /is not a directory/);
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', ro]);
    } catch (err) {
      assert.fail(`this test mounts a read-only tmpfs and needs root (mount failed: ${(err as Error).message})`);
    }
    try {
      await expectConfigError(setup({ VarLocation: join(ro, 'var') }), ['check'], /VarLocation/, /not writable.*read-only file system/);
    } finally {
      execFileSync('umount', [ro]);
    }
  });

  it('an empty Sites says so', async () => {
    await expectConfigError(setup({ Sites: {} }), ['check'], /no site is configured/, /Sites/);
  });
});

describe('SIGTERM', () => {
  let server: Server;
  const sockets: Socket[] = [];
  before(async () => {
    // Accepts and never answers: the listing waits on it with a long Timeout.
    server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });

  it('stops a check waiting on a silent server within 15 s', async () => {
    const port = (server.address() as { port: number }).port;
    const c = setup({ Timeout: 3600, Retries: 0 }, { Url: `root://127.0.0.1:${port}/` });
    writeFileSync(join(c.d, 'inv.txt'), '/store/mc/f.root 1\n');
    const imp = await runCli(['--config', c.file, 'import', '--site', 'T2_A', join(c.d, 'inv.txt')], { cwd: c.d });
    assert.equal(imp.code, 0, imp.stderr);
    const run = runCli(['--config', c.file, 'check'], { cwd: c.d, timeoutMs: 60_000 });
    // Wait until the run is recorded (the command is past loading and waiting on the server).
    const t0 = Date.now();
    while (!existsSync(join(c.d, 'var', 'history.sqlite')) && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1000));
    const killedAt = Date.now();
    execFileSync('pkill', ['-TERM', '-f', c.file]);
    const r = await run;
    const took = (Date.now() - killedAt) / 1000;
    assert.ok(took < 15, `stopped after ${took} s`);
    assert.equal(r.code, 1, r.stderr);
    // Stopped by the abort reaching the connection set-up, not by the forced exit.
    assert.doesNotMatch(r.stderr, /did not stop within/);
    assert.match(r.stderr, /check-halted/);
  });
});
