// Plain-JS entry of compare3's worker threads (why plain JS: src/core/worker-entry.mjs).
import { loadWorkerModule } from '../core/worker-entry.mjs';

await loadWorkerModule(new URL('./compare3-worker', import.meta.url).href);
