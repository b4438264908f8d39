// Plain-JS entry of compare3's worker threads: Node 20 does not apply the parent's tsx loader to
// workers, so each worker registers tsx itself before loading the TypeScript worker module.
import { register } from 'tsx/esm/api';

register();
await import('./compare3-worker.ts');
