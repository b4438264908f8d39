import { compareFiles } from '../../src/check/compare-files.ts';

const [inv, remote, prefix] = process.argv.slice(2);
const r = await compareFiles(inv, remote, prefix);
process.stdout.write(JSON.stringify({ ...r, maxRssMb: process.resourceUsage().maxRSS / 1024 }) + '\n');
