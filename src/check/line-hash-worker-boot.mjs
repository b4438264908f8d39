// Entry of the compare-files worker thread: a worker does not inherit the parent's tsx loader,
// so it registers it before loading the TypeScript worker module.
import { register } from 'tsx/esm/api';

register();
await import('./line-hash-worker.ts');
