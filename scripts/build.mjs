#!/usr/bin/env node
// Compiles src/ to dist/ (JavaScript, source maps, .d.ts) and copies the plain-JS worker entries.
// `npm ci` runs it through `prepare`; `npm test` runs it when a source is newer than the last build.
// `node scripts/build.mjs --if-stale` builds only then.
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');
const dist = join(root, 'dist');
const stamp = join(dist, '.build-stamp');

function files(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, out);
    else out.push(p);
  }
  return out;
}

/** True when dist is missing or older than a source, package.json or a tsconfig. */
export function isStale() {
  if (!existsSync(stamp)) return true;
  const built = statSync(stamp).mtimeMs;
  const inputs = [...files(src), join(root, 'package.json'), join(root, 'tsconfig.json'), join(root, 'tsconfig.build.json')];
  return inputs.some((p) => statSync(p).mtimeMs > built);
}

export function build() {
  let tsc;
  try {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    console.error('build: typescript is not installed; it is a development dependency: run `npm ci` (without --omit=dev)');
    process.exit(1);
  }
  const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('build: tsc failed');
    process.exit(r.status ?? 1);
  }
  for (const p of files(src).filter((f) => f.endsWith('.mjs'))) {
    const to = join(dist, relative(src, p));
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(p, to);
  }
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (!process.argv.includes('--if-stale') || isStale()) {
    if (process.argv.includes('--if-stale')) console.error('build: dist/ is missing or older than the sources; compiling (npm run build)');
    build();
  }
}
