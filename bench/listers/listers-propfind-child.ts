/**
 * The plain PROPFIND walk (baselines.ts) in a process of its own, so that it does not share an event
 * loop with the harness's delay proxy: `node --import tsx listers-propfind-child.ts ORIGIN TOP IN_FLIGHT`.
 * Prints one JSON line; seconds are counted from the first request (its start-up is not charged).
 */
import { propfindWalk } from './baselines.ts';

const [origin, top, inFlight] = process.argv.slice(2);
const t0 = process.hrtime.bigint();
const count = await propfindWalk(origin, top, Number(inFlight));
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
process.stdout.write(JSON.stringify({ ...count, seconds }) + '\n');
