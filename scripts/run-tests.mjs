#!/usr/bin/env node
// Runs every test file under test/ with Node's own test runner (TypeScript through tsx).
// TEST_FILTER=substring limits the files; extra arguments are passed to `node --test`.
// The CLI tests run the compiled package as a user installs it: dist/ is rebuilt first when a source is newer.
// The whole suite (no TEST_FILTER, as .ci/run runs it) starts with the layer rule check, `npm run lint:deps`
// (.dependency-cruiser.cjs); a filtered run says that it leaves it out.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const found = [];
(function scan(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) scan(p);
    else if (name.endsWith('.test.ts')) found.push(relative(root, p));
  }
})(join(root, 'test'));
const filter = process.env.TEST_FILTER;
const files = filter ? found.filter((f) => f.includes(filter)) : found;
if (files.length === 0) {
  console.error(`no test files${filter ? ` match TEST_FILTER=${filter}` : ''}`);
  process.exit(1);
}
if (filter) console.log(`TEST_FILTER=${filter}: the layer rule check is left out (npm run lint:deps runs it)`);
else {
  const deps = spawnSync('npm', ['run', '--silent', 'lint:deps'], { cwd: root, stdio: 'inherit' });
  if (deps.status !== 0) {
    console.error('the layer rules of .dependency-cruiser.cjs are broken (above); no test was run');
    process.exit(deps.status ?? 1);
  }
}
const built = spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), '--if-stale'], { cwd: root, stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);
const args = ['--import', 'tsx', '--test', `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`, ...process.argv.slice(2), ...files];
const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
