/**
 * The size a drill runs at. The suite (and CI) runs every drill small; `DRILLS=long` (set by
 * `scripts/drills --long`) runs the sizes README's "Reliability" section reports.
 */
export const LONG = process.env.DRILLS === 'long';

/** `ci` in the suite, `long` with DRILLS=long: how many faulted runs, frames, clients… a drill does. */
export function drillSize(ci: number, long: number): number {
  return LONG ? long : ci;
}

/** One line of figures, printed by every drill so a run's log shows what was tried and what came of it. */
export function reportFigures(drill: string, figures: Record<string, number | string>): void {
  const parts = Object.entries(figures).map(([k, v]) => `${k}=${v}`);
  console.log(`[drill ${drill}${LONG ? ' long' : ''}] ${parts.join(' ')}`);
}
