// Plain-JS entry of compare3's worker threads. In the compiled package (dist/) the worker module is
// JavaScript beside this file; run from the sources, Node 20 does not apply the parent's tsx loader
// to workers, so the worker registers tsx itself before loading the TypeScript module.
import { existsSync } from 'node:fs';

const compiled = new URL('./compare3-worker.js', import.meta.url);
if (existsSync(compiled)) await import(compiled.href);
else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('./compare3-worker.ts', import.meta.url).href);
}
