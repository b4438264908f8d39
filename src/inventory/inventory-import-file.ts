import { DcError } from '../core/errors.ts';
import { lfnProblem } from '../core/lfn.ts';
import { describeSkipped, detectListFormat, newListCounts, quoteName, streamListEntries, type DetectedFormat, type ListCounts, type ListFormat } from '../core/list-format.ts';
import type { ImportLine } from './sql/dynamo-import.ts';

export interface ImportFile {
  lines: ImportLine[];
  format: DetectedFormat;
  counts: ListCounts;
  /** Lines repeating an LFN with the same size (kept once). */
  duplicates: number;
}

/** Formats `import` reads: every entry needs a size. */
export const IMPORT_FORMATS: readonly ListFormat[] = ['lfn-size', 'lfn-size-mtime', 'rucio-dump'];

/**
 * Reads a whole import file through the shared list reader (src/core/list-format.ts) and checks
 * every line before anything is written: the line must fit the format, the LFN must be one a
 * storage can hold (lfnProblem), and an LFN given twice must have the same size. The first
 * problem throws INPUT naming the file and line.
 */
export async function readImportFile(path: string, declared?: ListFormat): Promise<ImportFile> {
  if (declared && !IMPORT_FORMATS.includes(declared)) {
    throw new DcError('CONFIG', `import needs a size for every file: --format ${declared} is not accepted (use ${IMPORT_FORMATS.join(' or ')})`);
  }
  const format: DetectedFormat = declared ? { format: declared, how: 'declared' } : await detectListFormat(path, IMPORT_FORMATS);
  const counts = newListCounts();
  const lines: ImportLine[] = [];
  const seen = new Map<string, { size: number; line: number }>();
  let duplicates = 0;
  for await (const batch of streamListEntries(path, format.format, counts)) {
    for (const e of batch) {
      const problem = lfnProblem(e.name);
      if (problem) throw new DcError('INPUT', `${path}:${e.line}: ${problem}: ${quoteName(e.name)}`, { detail: { file: path, line: e.line } });
      if (e.size < 0) throw new DcError('INPUT', `${path}:${e.line}: no size ("-") for ${quoteName(e.name)}: import needs a size for every file`, { detail: { file: path, line: e.line } });
      const before = seen.get(e.name);
      if (before) {
        if (before.size !== e.size) {
          throw new DcError('INPUT', `${path}:${e.line}: ${quoteName(e.name)} has size ${e.size} here and ${before.size} on line ${before.line}`, { detail: { file: path, line: e.line } });
        }
        duplicates++;
        continue;
      }
      seen.set(e.name, { size: e.size, line: e.line });
      lines.push({ lfn: e.name, size: e.size, settled: e.settled });
    }
  }
  return { lines, format, counts, duplicates };
}

/** "format lfn-size (detected …); 2 empty lines skipped; 1 duplicate line" for the terminal. */
export function describeImportFile(f: ImportFile): string {
  return [`format ${f.format.format} (${f.format.how})`, describeSkipped(f.counts), f.duplicates ? `${f.duplicates} repeated line${f.duplicates === 1 ? '' : 's'} kept once` : '']
    .filter(Boolean)
    .join('; ');
}
