import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDemoSite, DEMO_SITE, removeTree } from '../../../src/demo/demo-site.ts';
import { BIN } from '../../helpers/run-cli.ts';

// The package as a user installs it: the compiled dist/ run by plain node (no tsx), reached through
// the bin and through `import 'dynamo-consistency'` from another directory.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const TRACE = fileURLToPath(new URL('../../helpers/trace-loads.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'dc-pkg-'));
after(() => removeTree(dir));

/** Modules a start-up must not load: SDKs, web server, database drivers, logger, config parsers, tsx. */
const HEAVY = ['@aws-sdk', 'fastify', 'mysql2', '/pg/', 'pg-cursor', 'better-sqlite3', 'kysely', 'pino', 'undici', 'prom-client', 'zod', 'yaml', 'tsx', 'esbuild'];

function traced(name: string, args: string[], cwd: string) {
  const file = join(dir, `${name}.loads`);
  writeFileSync(file, '');
  const r = spawnSync(process.execPath, ['--import', TRACE, BIN, ...args], { cwd, env: { ...process.env, TRACE_LOADS_FILE: file }, encoding: 'utf8', timeout: 120_000 });
  return { ...r, loads: readFileSync(file, 'utf8').split('\n').filter(Boolean) };
}

/** A directory outside the package with `dynamo-consistency` installed in node_modules (linked, as `npm link` does). */
function userProject(name: string): string {
  const project = join(dir, name);
  mkdirSync(join(project, 'node_modules'), { recursive: true });
  symlinkSync(root, join(project, 'node_modules', 'dynamo-consistency'));
  return project;
}

/** The README's library example, as printed there. */
function readmeExample(): string {
  const m = /```js\n(\/\/ example\.mjs[\s\S]*?)```/.exec(readFileSync(join(root, 'README.md'), 'utf8'));
  assert.ok(m, 'README has the example.mjs block');
  return m[1];
}

describe('the compiled package', () => {
  it('--help runs dist/ and loads no SDK, web server, database driver, logger or tsx', () => {
    const r = traced('help', ['--help'], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Usage: dynamo-consistency/);
    for (const cmd of ['check', 'list', 'compare', 'import', 'set-status', 'demo', 'serve', 'invalidate', 'compare3']) assert.match(r.stdout, new RegExp(`\\n  ${cmd}\\b`));
    assert.ok(r.loads.some((u) => u.endsWith('/dist/cli/main.js')), 'the bin runs the compiled main');
    assert.deepEqual(r.loads.filter((u) => u.endsWith('.ts')), [], 'no TypeScript source is loaded');
    assert.deepEqual(r.loads.filter((u) => HEAVY.some((h) => u.includes(`/node_modules/${h}`) || (h.startsWith('/') && u.includes(`/node_modules${h}`)))), []);
  });

  it('runs the demo and checks it again from dist/, with no TypeScript source loaded', () => {
    const r = traced('demo', ['demo', '--dir', join(dir, 'demo')], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /exactly the planted problems/);
    assert.deepEqual(r.loads.filter((u) => u.endsWith('.ts') || u.includes('/node_modules/tsx/')), []);
    const again = traced('check', ['--config', join(dir, 'demo', 'consistency_config.json'), 'check', '--dry-run'], dir);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /missing/);
    // A POSIX site with a SQLite inventory loads no S3 SDK, no other database driver, no web server.
    const unused = ['@aws-sdk', 'fastify', 'mysql2', 'pg', 'pg-cursor'];
    assert.deepEqual(again.loads.filter((u) => unused.some((h) => u.includes(`/node_modules/${h}/`))), []);
    assert.ok(again.loads.some((u) => u.includes('/node_modules/better-sqlite3/')), 'the trace sees the drivers it should');
  });

  it('the bin says to build when dist/ is missing', async () => {
    const pkg = join(dir, 'unbuilt');
    mkdirSync(join(pkg, 'bin'), { recursive: true });
    copyFileSync(BIN, join(pkg, 'bin', 'dynamo-consistency.mjs'));
    const r = spawnSync(process.execPath, [join(pkg, 'bin', 'dynamo-consistency.mjs'), '--help'], { encoding: 'utf8' });
    assert.equal(r.status, 5);
    assert.match(r.stderr, /dist\/\) is missing; run `npm run build`/);
  });

  it("README's library example runs from plain node in another directory and writes results_missing.txt / results_orphan.txt", async () => {
    const project = userProject('user-js');
    const plan = await createDemoSite(join(project, 'site'));
    writeFileSync(join(project, 'example.mjs'), readmeExample());
    const r = spawnSync(process.execPath, ['example.mjs', plan.configFile, DEMO_SITE], { cwd: project, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const lines = (f: string) => readFileSync(join(project, f), 'utf8').split('\n').filter(Boolean);
    // The plain compare knows nothing of unlisted directories: the file hidden below one shows as missing.
    assert.deepEqual(lines('results_missing.txt'), [...plan.missing, ...plan.hiddenUnderUnlisted].sort());
    assert.deepEqual(lines('results_orphan.txt'), [...plan.orphan, ...plan.protectedFiles].sort());
    assert.match(r.stdout, new RegExp(`^${plan.missing.length + plan.hiddenUnderUnlisted.length} missing, ${plan.orphan.length + plan.protectedFiles.length} orphan, ${plan.sizeMismatch.length} size mismatch\\n`));
    assert.match(r.stdout, /unlisted: .* \(IO\)/);
  });

  it('TypeScript sees the types: the example typechecks against the package, and a wrong use does not', () => {
    const project = userProject('user-ts');
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: ['node'], typeRoots: [join(root, 'node_modules', '@types')] }, include: ['*.ts'] }),
    );
    writeFileSync(join(project, 'package.json'), JSON.stringify({ type: 'module' }));
    const example = readmeExample() + 'const n: number = result.missing + inventory.files + remote.old.files;\nexport { n };\n';
    writeFileSync(join(project, 'example.ts'), example);
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const ok = spawnSync(process.execPath, [tsc, '-p', project], { cwd: project, encoding: 'utf8', timeout: 180_000 });
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    writeFileSync(join(project, 'wrong.ts'), "import { compare } from 'dynamo-consistency';\nconst s: string = await compare('a', 'b', 'c');\nexport { s };\n");
    const bad = spawnSync(process.execPath, [tsc, '-p', project], { cwd: project, encoding: 'utf8', timeout: 180_000 });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stdout, /wrong\.ts.*not assignable to type 'string'/);
  });
});
