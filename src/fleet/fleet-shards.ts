import { backendSite, type Config, type SiteConfig } from '../config/config-loader.ts';
import type { Lister } from '../listers/lister.ts';
import { createLister } from '../listers/registry.ts';
import type { RunOptions } from '../run/run-site.ts';
import type { HistoryStore } from '../store/history-store.ts';
import type { Log } from './fleet-executor.ts';
import { InProcessShards } from './shard-dispatch.ts';
import { ShardedLister, type ShardDispatch } from './sharded-lister.ts';

/**
 * The lister hook (RunOptions.createLister) of the fleet's runs: a site with `Shards` > 1 is
 * listed by shard jobs — on the queue (`dispatch`, a distributed fleet) or in this process (the
 * embedded daemon) — and judged as one run by the process that holds its lease; any other site
 * gets its own lister, as `check` does. (`check` itself lists a sharded site whole, in one process.)
 */
export function fleetListerHook(config: Config, store: HistoryStore, log: Log, dispatch?: ShardDispatch): NonNullable<RunOptions['createLister']> {
  return async (site: SiteConfig, run): Promise<Lister> => {
    const inner = await createLister(backendSite(site, config.env));
    if (site.Shards <= 1) return inner;
    return new ShardedLister(inner, site, run, store, dispatch ?? new InProcessShards(config, store, log, run.signal));
  };
}
