// Entry of the compare-files worker thread. In the compiled package (dist/) the worker module is
// JavaScript beside this file; run from the sources, a worker does not inherit the parent's tsx
// loader, so it registers it before loading the TypeScript worker module.
import { existsSync } from 'node:fs';

const compiled = new URL('./line-hash-worker.js', import.meta.url);
if (existsSync(compiled)) await import(compiled.href);
else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('./line-hash-worker.ts', import.meta.url).href);
}
