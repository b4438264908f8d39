import { DcError } from '../core/errors.ts';
import { describeSkipped, LIST_FORMATS, parseListFormat, type ListCounts, type ListFormat } from '../core/list-format.ts';

/** Help text of the repeatable --format option of compare and compare3. */
export function formatOptionHelp(roles: readonly string[]): string {
  return (
    `list format: ${LIST_FORMATS.join('|')} for every input, or ROLE=FORMAT for one (${roles.join(', ')}); repeatable. ` +
    'An input without one is detected from its first 1000 lines and the result printed.'
  );
}

export function collectFormat(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * `--format lfn-size` (every input) and `--format scan=paths` (one input), later ones winning.
 * An unknown role or format is an argument error (exit 2).
 */
export function parseFormatOptions<R extends string>(specs: readonly string[], roles: readonly R[]): Partial<Record<R, ListFormat>> {
  const out: Partial<Record<R, ListFormat>> = {};
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    if (eq < 0) {
      const f = parseListFormat(spec, '--format');
      for (const r of roles) out[r] = f;
      continue;
    }
    const role = spec.slice(0, eq) as R;
    if (!roles.includes(role)) throw new DcError('CONFIG', `--format ${spec}: unknown input "${role}" (inputs: ${roles.join(', ')})`);
    out[role] = parseListFormat(spec.slice(eq + 1), `--format ${spec}`);
  }
  return out;
}

/** "  inventory inv.txt: lfn-size (declared), 10 entries, 2 empty lines skipped" */
export function describeInput(role: string, input: { path: string; format: ListFormat; how: string; counts: ListCounts }): string {
  const skipped = describeSkipped(input.counts);
  return `${role} ${input.path}: ${input.format} (${input.how}), ${input.counts.entries} entries${skipped ? `, ${skipped}` : ''}`;
}
