import type { Config } from '../config/config-loader.ts';
import { errorMessage } from '../core/errors.ts';
import { QueueReader, QUEUE_READ_TIMEOUT_MS, type QueueRead } from '../fleet/fleet-queue-reader.ts';
import { InventoryReadiness, mergeNotReady, ReadinessFeed, type NotReady } from '../fleet/fleet-readiness.ts';
import { fleetSettings, type FleetSettings } from '../fleet/fleet-settings.ts';
import { collectFleetView, type FleetView } from '../fleet/fleet-view.ts';
import type { HistoryStore } from '../store/history-store.ts';

/** How long the dashboard keeps the readiness answers: pages are not a reason to hammer the feed or the inventory. */
const READINESS_CACHE_MS = 30_000;

/**
 * The dashboard's view of the fleet: the fleet's settings from the configuration, the queue read
 * with a timeout, the readiness feed read as the daemon reads it (kept for half a minute, and its
 * last answer kept when it fails, as the daemon does).
 */
export class WebFleet {
  readonly settings?: FleetSettings;
  /** Why the configuration describes no usable fleet (a Queue on a SQLite history). */
  readonly problem?: string;
  private readonly queue?: QueueReader;
  private readonly feed?: ReadinessFeed;
  private readonly inventory: InventoryReadiness;
  private readiness?: { at: number; value: NotReady };

  constructor(
    private readonly config: Config,
    private readonly store: HistoryStore,
    log: (event: string, fields: Record<string, unknown>) => void,
  ) {
    this.inventory = new InventoryReadiness(log);
    try {
      this.settings = fleetSettings(config);
    } catch (err) {
      this.problem = errorMessage(err);
      return;
    }
    if (this.settings.queue) this.queue = new QueueReader(this.settings.queue, log);
    if (this.settings.readinessUrl) this.feed = new ReadinessFeed(this.settings.readinessUrl, log);
  }

  async view(now: number): Promise<FleetView | undefined> {
    if (!this.settings) return undefined;
    return collectFleetView({ config: this.config, store: this.store, settings: this.settings, queue: this.queue, notReady: await this.notReady(now), now });
  }

  /** The queue's counts and jobs, or why Redis did not answer; undefined without a Queue. */
  readQueue(): Promise<QueueRead> | undefined {
    return this.queue?.read();
  }

  async close(): Promise<void> {
    await this.queue?.close();
  }

  /** The readiness feed and the inventory's sites table, read as the daemon reads them. */
  private async notReady(now: number): Promise<NotReady> {
    if (this.readiness && now - this.readiness.at < READINESS_CACHE_MS) return this.readiness.value;
    const feed = this.feed ? await this.feed.read(this.config.siteNames, AbortSignal.timeout(QUEUE_READ_TIMEOUT_MS)) : new Map<string, string>();
    const value = mergeNotReady(feed, await this.inventory.read(this.config, QUEUE_READ_TIMEOUT_MS));
    this.readiness = { at: now, value };
    return value;
  }
}
