/**
 * How many listings a walk keeps in flight, adapted to what the storage answers (issue 13 §2).
 *
 * The right number depends on the round trip and on the server: at 25 ms RTT sixteen listings in
 * flight cap a walk at 640 directories a second whatever the server could do, while a busy server
 * answers more requests with waits, throttling or timeouts. The pace grows the level while
 * throughput rises and nothing pushes back, and shrinks it on push-back or on latency that rises
 * without a gain — AIMD in spirit, judged over windows of many requests rather than single ones:
 *
 * - probing (slow start): the level doubles each window while throughput rises by a clear margin;
 * - steady: the level grows by an eighth while throughput still rises, holds while it is flat, and
 *   falls by a fifth when latency has doubled over the best seen without more throughput (and
 *   probes an eighth higher while latency stays at the unloaded round trip);
 * - push-back (kXR_wait, HTTP 429/503, a timeout, a retryable error): the level halves at once, at
 *   most once per hold period (requests already in flight answer the same way), and the pace stays
 *   steady afterwards.
 *
 * A window in which the walk did not fill the level (a narrow tree, a consumer that lags) says
 * nothing about the server and changes nothing. The level never leaves [floor, cap]: `cap` is the
 * site's NumThreads, whose default is the documented ceiling LISTING_CEILING.
 *
 * No I/O and no timers: the clock is injected, so the behaviour is testable with a fake one.
 */

/** Listings in flight never exceed this unless a site's NumThreads asks for more (README, NumThreads). */
export const LISTING_CEILING = 512;
/** Where an adaptive walk starts. */
export const LISTING_START = 16;

/** Why a server made a request wait or fail: what the pace backs off for. */
export type PushbackKind = 'wait' | 'throttled' | 'timeout' | 'error';

export interface Pushback {
  kind: PushbackKind;
}

export interface PaceOptions {
  /** Never more in flight than this (NumThreads). */
  cap: number;
  /** false: the level stays at `cap` (a fixed pool, as before issue 13). Default true. */
  adaptive?: boolean;
  /** First level; default LISTING_START (at most `cap`). */
  start?: number;
  /** Lowest level a back-off reaches; default 1. */
  floor?: number;
  /** Milliseconds, monotonic. Default performance.now. */
  now?: () => number;
  /** A window lasts at least this long (ms): shorter ones measure noise. Default 50. */
  minWindowMs?: number;
}

/** What a summary shows of the pace of a walk. */
export interface PaceReport {
  /** Level at the end (or now). */
  level: number;
  /** Highest level reached. */
  peak: number;
  cap: number;
  adaptive: boolean;
  /** Times the level was cut for push-back or rising latency. */
  backoffs: number;
  /** Push-back reports received (waits, throttling, timeouts, retryable errors). */
  pushbacks: number;
}

/** A directory costs a round trip plus its entries: the unit throughput is measured in. */
const ENTRIES_PER_UNIT = 100;
/** Throughput must rise by this fraction for a window to count as a gain. */
const PROBE_GAIN = 0.15;
const STEADY_GAIN = 0.05;
/** The level counts as used when the mean in flight reached this fraction of it. */
const BUSY_FRACTION = 0.75;
/** Latency this many times the best window's mean, without a gain, is queueing at the server. */
const LATENCY_RISE = 2;
/** Latency within this factor of the best is still the unloaded round trip. */
const UNLOADED = 1.25;

export class ListingPace {
  private readonly cap: number;
  private readonly floor: number;
  private readonly adaptive: boolean;
  private readonly now: () => number;
  private readonly minWindowMs: number;
  private current: number;
  private peak: number;
  private probing = true;
  private backoffs = 0;
  private pushbacks = 0;
  /** Throughput (units/s) of the last window that changed or confirmed the level. */
  private reference: number | undefined;
  /** Lowest mean latency of a window so far: the unloaded round trip. */
  private bestLatency = Infinity;
  private holdUntil = -Infinity;
  // The open window.
  private windowStart: number;
  private done = 0;
  private units = 0;
  private latencySum = 0;
  private busySum = 0;
  private pushedBack = false;

  constructor(o: PaceOptions) {
    this.cap = Math.max(1, Math.floor(o.cap));
    this.adaptive = o.adaptive ?? true;
    this.floor = Math.min(this.cap, Math.max(1, Math.floor(o.floor ?? 1)));
    this.now = o.now ?? (() => performance.now());
    this.minWindowMs = o.minWindowMs ?? 50;
    this.current = this.adaptive ? clamp(Math.floor(o.start ?? LISTING_START), this.floor, this.cap) : this.cap;
    this.peak = this.current;
    this.windowStart = this.now();
  }

  /** Listings the walk may have in flight now. */
  get level(): number {
    return this.current;
  }

  /**
   * One listing finished well: it took `latencyMs` from its first request to its last answer,
   * brought `entries` entries, and `inFlight` listings were running when it ended (itself included).
   */
  finished(latencyMs: number, entries: number, inFlight: number): void {
    this.done++;
    this.units += 1 + entries / ENTRIES_PER_UNIT;
    this.latencySum += latencyMs;
    this.busySum += inFlight;
    const t = this.now();
    const elapsed = t - this.windowStart;
    if (elapsed >= this.minWindowMs && this.done >= Math.min(this.current, 64)) this.closeWindow(t, elapsed);
  }

  /** The server made a request wait or refused it for load: back off (once per hold period). */
  pushback(p: Pushback): void {
    this.pushbacks++;
    if (!this.adaptive) return;
    const t = this.now();
    if (t < this.holdUntil) return;
    this.pushedBack = true;
    this.cut(0.5, t);
    this.probing = false;
  }

  report(): PaceReport {
    return { level: this.current, peak: this.peak, cap: this.cap, adaptive: this.adaptive, backoffs: this.backoffs, pushbacks: this.pushbacks };
  }

  private cut(factor: number, t: number): void {
    const next = clamp(Math.floor(this.current * factor), this.floor, this.cap);
    if (next < this.current) this.backoffs++;
    this.current = next;
    // Requests sent before the cut answer in about one round trip: wait for them before judging again.
    const rtt = Number.isFinite(this.bestLatency) ? this.bestLatency : this.minWindowMs;
    this.holdUntil = t + Math.max(this.minWindowMs, 2 * rtt);
    this.reference = undefined;
    this.restart(this.holdUntil);
  }

  private restart(t: number): void {
    this.windowStart = t;
    this.done = 0;
    this.units = 0;
    this.latencySum = 0;
    this.busySum = 0;
    this.pushedBack = false;
  }

  private closeWindow(t: number, elapsed: number): void {
    const throughput = (this.units * 1000) / elapsed;
    const latency = this.latencySum / this.done;
    const busy = this.busySum / this.done >= BUSY_FRACTION * this.current;
    const pushedBack = this.pushedBack;
    this.restart(t);
    if (!this.adaptive || pushedBack || t < this.holdUntil) return;
    if (latency < this.bestLatency) this.bestLatency = latency;
    if (!busy) return; // the tree or the consumer held the walk back, not the server
    const ref = this.reference;
    if (this.probing) {
      if (ref === undefined || throughput >= ref * (1 + PROBE_GAIN)) {
        this.reference = throughput;
        this.raise(this.current * 2);
        return;
      }
      this.probing = false;
    }
    if (ref === undefined || throughput >= ref * (1 + STEADY_GAIN)) {
      this.reference = throughput;
      this.raise(this.current + Math.max(1, Math.floor(this.current / 8)));
    } else if (latency > LATENCY_RISE * this.bestLatency) {
      this.cut(0.8, t);
    } else if (latency <= UNLOADED * this.bestLatency) {
      // Flat throughput at the unloaded round trip: measurement noise, not a full server; look higher.
      this.raise(this.current + Math.max(1, Math.floor(this.current / 8)));
    }
  }

  private raise(to: number): void {
    this.current = clamp(Math.floor(to), this.floor, this.cap);
    if (this.current > this.peak) this.peak = this.current;
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
