import { DcError } from '../core/errors.ts';

/** `--date-string YYYYMMDD` (check, list, dump): a calendar day, else an argument error (exit 2). */
export function dateStringOption(value: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(value);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  if (!m || !d || d.toISOString().slice(0, 10).replaceAll('-', '') !== value) {
    throw new DcError('CONFIG', `--date-string ${JSON.stringify(value)} is not a day written YYYYMMDD (e.g. 20261130)`);
  }
  return value;
}
