// Plain-JS entry of the compare-files worker thread (why plain JS: src/core/worker-entry.mjs).
import { loadWorkerModule } from '../core/worker-entry.mjs';

await loadWorkerModule(new URL('./line-hash-worker', import.meta.url).href);
