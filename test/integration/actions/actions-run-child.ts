/**
 * Child process for the crash tests: one runSite of the configured site, stopped cleanly on
 * SIGTERM. Prints the outcome as one JSON line. Usage: actions-run-child.ts CONFIG SITE HEARTBEAT_SECONDS
 */
import { loadConfig } from '../../../src/config/config-loader.ts';
import { HistoryStore } from '../../../src/store/history-store.ts';
import { runSite } from '../../../src/run/run-site.ts';

const [configFile, site, heartbeat] = process.argv.slice(2);
const config = loadConfig(configFile, {});
const store = await HistoryStore.open(config.historyUrl);
const stop = new AbortController();
process.once('SIGTERM', () => stop.abort());
const outcome = await runSite(config, site, store, { signal: stop.signal, heartbeatSeconds: Number(heartbeat), retryDelayMs: 1 });
await store.close();
process.stdout.write(JSON.stringify({ runId: outcome.runId, status: outcome.status, error: outcome.error?.message }) + '\n');
