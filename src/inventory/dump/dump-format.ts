import { DcError } from '../../core/errors.ts';

/**
 * The two dump formats an inventory can come as:
 * - a Rucio replica dump: tab-separated `rse scope name checksum size creation_date path
 *   update_date state`; the LFN is `path`, or `name` when `path` is empty; state `A` (available)
 *   is settled, any other state (copying, being deleted, unavailable…) is in flux;
 * - a plain list: `lfn` or `lfn size` per line (size after the last run of blanks, so names may
 *   hold spaces); every entry is settled.
 * Names are taken as they are (Rucio writes them raw). Empty lines are skipped.
 */
export type DumpFormat = 'rucio' | 'plain';

export interface DumpRow {
  rse: string;
  lfn: string;
  size: number;
  settled: boolean;
}

const RUCIO_COLUMNS = 9;

/** Rucio dumps have nine tab-separated columns; anything else is a plain list. */
export function detectFormat(firstLine: string): DumpFormat {
  let tabs = 0;
  for (let i = firstLine.indexOf('\t'); i >= 0; i = firstLine.indexOf('\t', i + 1)) tabs++;
  return tabs >= RUCIO_COLUMNS - 1 ? 'rucio' : 'plain';
}

function bad(file: string, lineNo: number, why: string): never {
  throw new DcError('INPUT', `${file}:${lineNo}: ${why}`, { detail: { file, line: lineNo } });
}

const DIGITS = /^[0-9]+$/;

export function parseRucioLine(line: string, file: string, lineNo: number): DumpRow {
  const f = line.split('\t');
  if (f.length < RUCIO_COLUMNS) bad(file, lineNo, `expected ${RUCIO_COLUMNS} tab-separated columns (rse scope name checksum size creation_date path update_date state), got ${f.length}`);
  const [rse, , name, , sizeText, , path, , state] = f;
  if (!DIGITS.test(sizeText)) bad(file, lineNo, `size column is not a non-negative integer: ${JSON.stringify(sizeText.slice(0, 40))}`);
  const lfn = path !== '' ? path : name;
  if (lfn === '') bad(file, lineNo, 'both path and name are empty');
  if (state === '') bad(file, lineNo, 'state column is empty');
  return { rse, lfn, size: Number(sizeText), settled: state === 'A' };
}

/** `lfn` or `lfn size`; the size is the last blank-separated field when it is all digits. */
export function parsePlainLine(line: string, file: string, lineNo: number): DumpRow {
  const m = /^(.*?)[ \t]+([0-9]+)$/.exec(line);
  const lfn = m ? m[1] : line;
  if (lfn.trim() === '') bad(file, lineNo, 'no name on the line');
  return { rse: '', lfn, size: m ? Number(m[2]) : 0, settled: true };
}
