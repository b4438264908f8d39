import { utimesSync, writeFileSync } from 'node:fs';
import { defaultOnResult, type ResultContext, type ResultActions } from '../../../src/run/run-site.ts';

/**
 * The run's result hook with a file written at `path` first: the file arrives after the check
 * listed its directory as empty and before the sinks act (issue 10: a removal never removes content).
 * The file is dated old so that nothing but emptiness stands in the way.
 */
export function withFileArriving(path: string, write: (path: string) => Promise<void> | void = plantOld): (ctx: ResultContext) => Promise<ResultActions> {
  return async (ctx) => {
    await write(path);
    return defaultOnResult(ctx);
  };
}

function plantOld(path: string): void {
  writeFileSync(path, 'arrived late\n');
  const old = Date.now() / 1000 - 3 * 86400;
  utimesSync(path, old, old);
}
