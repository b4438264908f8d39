// Loads the module of a worker thread from its plain-JS entry file. In the compiled package (dist/)
// the module is JavaScript beside the entry; run from the sources, Node 20 does not apply the
// parent's tsx loader to workers, so tsx is registered here before the TypeScript module loads.
import { existsSync } from 'node:fs';

/** `base`: the URL of the worker module without its extension (`.js` compiled, `.ts` from the sources). */
export async function loadWorkerModule(base) {
  const compiled = new URL(`${base}.js`);
  if (existsSync(compiled)) return import(compiled.href);
  const { register } = await import('tsx/esm/api');
  register();
  return import(new URL(`${base}.ts`).href);
}
