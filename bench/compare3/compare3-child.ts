/** Runs one compare3 in its own process, so /usr/bin/time measures its wall time and peak RSS. */
import { runCompare3 } from '../../src/check/compare3.ts';

const [before, scan, after, prefix, workers] = process.argv.slice(2);
const r = await runCompare3(before, scan, after, prefix, workers === undefined ? {} : { workers: Number(workers) });
console.log(JSON.stringify({ ...r, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
