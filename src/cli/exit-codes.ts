/**
 * Exit codes (documented in the README):
 * 0 ok · 1 the check ran but failed or was halted · 2 bad configuration or arguments ·
 * 3 input file error · 4 site busy or in a state that forbids the command · 5 internal error.
 * A module of its own so that registering the commands (and --help) loads nothing else.
 */
export const EXIT = { OK: 0, RUN_FAILED: 1, CONFIG: 2, INPUT: 3, STATE: 4, INTERNAL: 5 } as const;
