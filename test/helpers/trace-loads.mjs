// `node --import ./test/helpers/trace-loads.mjs …` appends every module URL the process loads to the
// file named by TRACE_LOADS_FILE, one a line (the hooks run on their own thread: a file is the channel).
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
import { appendFileSync } from 'node:fs';
const file = process.env.TRACE_LOADS_FILE;
export async function load(url, context, next) {
  if (file) appendFileSync(file, url + '\\n');
  return next(url, context);
}`),
);
