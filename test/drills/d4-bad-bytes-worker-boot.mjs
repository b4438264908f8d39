// Plain-JS entry of D4's worker thread (why plain JS: src/core/worker-entry.mjs).
import { loadWorkerModule } from '../../src/core/worker-entry.mjs';

await loadWorkerModule(new URL('./d4-bad-bytes-worker', import.meta.url).href);
