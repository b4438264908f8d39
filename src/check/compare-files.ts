import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DcError } from '../core/errors.ts';
import { forEachLine, splitNameSize } from '../core/line-reader.ts';
import { HashTable } from './hash-table.ts';
import { hashBytes, newHash } from './lfn-hash.ts';
import { SortedList } from './sorted-list.ts';

const SEEN = 1;
const MISMATCH = 2;
const DONE = 4;

export interface CompareFilesResult {
  inventory: number;
  remote: number;
  missing: number;
  orphan: number;
  sizeMismatch: number;
  files: { missing: string; orphan: string; sizeMismatch: string };
  seconds: number;
}

function badLine(path: string, lineNo: number): never {
  throw new DcError('INPUT', `${path}:${lineNo}: expected "lfn size" (size a non-negative integer)`);
}

/**
 * The seed's `datatypes.compare` on two text lists of `lfn size` lines (plain or gz):
 * PREFIX_missing.txt (in INV, not in REMOTE), PREFIX_orphan.txt (in REMOTE, not in INV) and
 * PREFIX_size_mismatch.txt. The same hash table and LFN hash as the site check; lines are hashed
 * as bytes and only reported names become strings. Memory: ~30 bytes per inventory entry.
 */
export async function compareFiles(invPath: string, remotePath: string, prefix: string): Promise<CompareFilesResult> {
  const t0 = Date.now();
  const out = resolve(prefix);
  mkdirSync(dirname(out), { recursive: true });
  const scratch = mkdtempSync(join(dirname(out), '.compare-'));
  const lists = {
    missing: new SortedList({ tmpRoot: scratch }),
    orphan: new SortedList({ tmpRoot: scratch }),
    sizeMismatch: new SortedList({ tmpRoot: scratch }),
  };
  try {
    const table = new HashTable(1 << 20);
    const h = newHash();
    let inventory = 0;
    await forEachLine(invPath, (buf, start, end, lineNo) => {
      if (end === start) return;
      const { nameEnd, size } = splitNameSize(buf, start, end);
      if (nameEnd <= start) badLine(invPath, lineNo);
      hashBytes(buf, start, nameEnd, h);
      const slot = table.upsert(h);
      if (table.lastWasNew) {
        table.setSize(slot, size);
        inventory++;
      }
    });
    let remote = 0;
    await forEachLine(remotePath, (buf, start, end, lineNo) => {
      if (end === start) return;
      const { nameEnd, size } = splitNameSize(buf, start, end);
      if (nameEnd <= start) badLine(remotePath, lineNo);
      remote++;
      hashBytes(buf, start, nameEnd, h);
      const slot = table.find(h);
      if (slot < 0) {
        lists.orphan.add(buf.toString('utf8', start, nameEnd));
        return;
      }
      table.setFlags(slot, SEEN);
      if (table.sizeAt(slot) !== size) table.setFlags(slot, MISMATCH);
    });
    await forEachLine(invPath, (buf, start, end) => {
      if (end === start) return;
      const { nameEnd } = splitNameSize(buf, start, end);
      hashBytes(buf, start, nameEnd, h);
      const slot = table.find(h);
      const flags = table.flags(slot);
      if (flags & DONE) return;
      table.setFlags(slot, DONE);
      if (!(flags & SEEN)) lists.missing.add(buf.toString('utf8', start, nameEnd));
      else if (flags & MISMATCH) lists.sizeMismatch.add(buf.toString('utf8', start, nameEnd));
    });
    const files = { missing: `${out}_missing.txt`, orphan: `${out}_orphan.txt`, sizeMismatch: `${out}_size_mismatch.txt` };
    const missing = await lists.missing.writeTo(files.missing);
    const orphan = await lists.orphan.writeTo(files.orphan);
    const sizeMismatch = await lists.sizeMismatch.writeTo(files.sizeMismatch);
    return { inventory, remote, missing, orphan, sizeMismatch, files, seconds: (Date.now() - t0) / 1000 };
  } finally {
    for (const l of Object.values(lists)) l.dispose();
    rmSync(scratch, { recursive: true, force: true });
  }
}
