import { writeSync } from 'node:fs';

/**
 * Test-only fault injection for the process drills (test/drills/): with `DC_FAILPOINT=name@n` in
 * the environment the process kills itself with SIGKILL the n-th time (default: the first) it
 * passes the point `name` — a `kill -9` aimed at one phase of a run (listing, judging, acting,
 * outputs, recording). Without the variable, which nothing but the drills sets, a failpoint is one
 * comparison and does nothing.
 */
const spec = parse(process.env.DC_FAILPOINT);
let hits = 0;

function parse(text: string | undefined): { name: string; at: number } | undefined {
  if (!text) return undefined;
  const [name, n] = text.split('@');
  const at = n === undefined ? 1 : Number(n);
  return name && Number.isInteger(at) && at >= 1 ? { name, at } : undefined;
}

export function failpoint(name: string): void {
  if (spec === undefined || spec.name !== name || ++hits !== spec.at) return;
  // Said on stderr first (synchronously), so the drill knows where the process died.
  writeSync(2, `failpoint ${name}@${hits}: SIGKILL\n`);
  process.kill(process.pid, 'SIGKILL');
}
