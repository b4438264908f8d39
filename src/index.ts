/**
 * Library API, in the shape of the seed's: load a configuration, list the inventory and the
 * site, compare — plus the full check and its building blocks.
 */
export { backendSite, loadConfig, siteConfig, siteFromKeys, type Config, type SiteConfig } from './config/config-loader.ts';
export { inventoryListing, remoteListing, compare, type ListingFile } from './api/library.ts';
export { checkSite, type CheckInput, type CheckResult } from './check/site-check.ts';
export type { CheckSummary, CheckProgress, UnlistedDir } from './check/check-types.ts';
export { evaluateGates, type GateDecision } from './check/gates.ts';
export { runSite, runNextSite, type RunOptions, type RunOutcome } from './run/run-site.ts';
export { HistoryStore } from './store/history-store.ts';
export { SiteLease } from './store/site-lease.ts';
export { createLister } from './listers/registry.ts';
export type { Lister, ListerSettings } from './listers/lister.ts';
export { walk, type WalkEvent } from './listers/walker.ts';
export type { Inventory } from './inventory/inventory.ts';
export { openInventory } from './inventory/open-inventory.ts';
export { DcError, type ErrorCode } from './core/errors.ts';
export { escapeName, unescapeName } from './core/escape.ts';
