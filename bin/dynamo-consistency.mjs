#!/usr/bin/env node
// The command runs the compiled package (dist/, built by `npm ci` through `prepare`, or `npm run build`).
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('dynamo-consistency: the compiled package (dist/) is missing; run `npm run build` in the package directory\n');
  process.exit(5);
}
const { main: run } = await import(main.href);
process.exitCode = await run(process.argv.slice(2));
