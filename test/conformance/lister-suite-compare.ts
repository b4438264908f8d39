/**
 * The heart of the conformance walk case: the walk's files, directories and unlisted directories
 * against the fixture's expected listing, with each declared gap turned into the exact deviation it
 * allows — and nothing more.
 */
import assert from 'node:assert/strict';
import { encodeName, hasRawBytes } from '../../src/core/name-bytes.ts';
import type { FixtureListing } from './lister-fixture.ts';
import { nameDiff, relativeTo, type CollectedWalk } from './lister-suite-helpers.ts';
import type { GapKey } from './lister-suite.ts';

export interface CompareInput {
  got: CollectedWalk;
  expected: FixtureListing;
  root: string;
  forbidden?: string;
  gaps: Partial<Record<GapKey, string>>;
  /** Seconds of mtime tolerance. */
  tol: number;
  /** Epoch seconds just before the fixture was written (for the fileMtimes gap). */
  writtenAt: number;
}

const leaf = (rel: string) => rel.slice(rel.lastIndexOf('/') + 1);
const parent = (rel: string) => rel.slice(0, rel.lastIndexOf('/'));
const below = (rel: string, dir: string) => rel === dir || rel.startsWith(dir + '/');
/** NAME_MAX-sized leaves: what the longNames gap is about. */
const isLong = (rel: string) => rel.split('/').some((seg) => Buffer.byteLength(seg) >= 255);

/** True when `gotRel` is `wantRel` with its leaf cut short (a trailing broken UTF-8 byte allowed). */
function isTruncationOf(gotRel: string, wantRel: string): boolean {
  if (parent(gotRel) !== parent(wantRel)) return false;
  const cut = encodeName(leaf(gotRel).replace(/\ufffd+$/, ''));
  const full = encodeName(leaf(wantRel));
  return cut.length > 0 && cut.length < full.length && full.subarray(0, cut.length).equals(cut);
}

/** Prints long lists as a count plus their start, so a broken lister does not flood the output. */
function short(list: string[]): string[] {
  return list.length <= 25 ? list : [...list.slice(0, 25), `… and ${list.length - 25} more`];
}

export function compareWalk(c: CompareInput): void {
  const { got, expected, root, forbidden, gaps, tol } = c;
  const norm = (s: string) => (gaps.unicodeNormalization !== undefined ? s.normalize('NFC') : s);
  const noBytes = (rel: string) => gaps.rawByteNames !== undefined && (rel === '/bytes' || hasRawBytes(rel));
  const forbiddenRel = forbidden === undefined ? undefined : relativeTo(root, forbidden);
  const longWanted = [...expected.dirs.keys(), ...expected.files.keys()].filter((r) => gaps.longNames !== undefined && isLong(r) && !isLong(parent(r)));
  const truncated = (rel: string) => longWanted.some((w) => isTruncationOf(rel, w));

  // Unlisted directories: the forbidden one, plus only what a declared gap explains.
  const excluded: string[] = forbiddenRel === undefined ? [] : [forbiddenRel];
  const unexplained: string[] = [];
  let sawForbidden = false;
  for (const u of got.unlisted) {
    const rel = relativeTo(root, u.lfn);
    if (rel === forbiddenRel) {
      sawForbidden = true;
      assert.equal(u.code, 'PERMISSION', `forbidden directory unlisted with ${u.code}: ${u.message}`);
    } else if (gaps.unaddressableNames !== undefined && expected.dirs.has(rel) && /[?#]/.test(leaf(rel)) && u.code === 'NOT_FOUND') {
      excluded.push(rel);
    } else if (
      gaps.undecodableNames !== undefined &&
      (u.code === 'PROTOCOL' || u.code === 'IO') &&
      [...expected.dirs.keys(), ...expected.files.keys()].some((k) => parent(k) === rel && ((Buffer.byteLength(leaf(k)) >= 255 && /[^\x00-\x7f]/.test(leaf(k))) || hasRawBytes(leaf(k))))
    ) {
      excluded.push(rel);
    } else if (gaps.longNames !== undefined && u.code === 'UNSUPPORTED' && [...expected.dirs.keys(), ...expected.files.keys()].some((k) => parent(k) === rel && Buffer.byteLength(leaf(k)) >= 255)) {
      // The lister saw a name cut short and refused the directory rather than list a wrong name.
      excluded.push(rel);
    } else if (gaps.longNames !== undefined && truncated(rel)) {
      // A truncated directory name cannot be listed; its real subtree is covered by longNames below.
    } else {
      unexplained.push(`${rel} (${u.code}: ${u.message})`);
    }
  }
  assert.deepEqual(unexplained, [], 'directories unlisted without a declared gap');
  assert.equal(sawForbidden, forbiddenRel !== undefined, 'the forbidden directory is reported unlisted');
  const skip = (rel: string) => excluded.some((d) => below(rel, d)) || (gaps.longNames !== undefined && isLong(rel));

  const wantFiles = new Map<string, { size: number; mtime: number }>();
  for (const [rel, f] of expected.files) if (!skip(rel) && !noBytes(rel)) wantFiles.set(norm(rel), f);
  const gotFiles = new Map<string, { size: number; mtime: number }>();
  for (const f of got.files) {
    const rel = relativeTo(root, f.lfn);
    if (gaps.longNames !== undefined && truncated(rel)) continue;
    gotFiles.set(norm(rel), f);
  }
  const fd = nameDiff(gotFiles.keys(), wantFiles.keys());
  assert.deepEqual({ missing: short(fd.missing), extra: short(fd.extra) }, { missing: [], extra: [] }, 'file names');
  for (const [rel, want] of wantFiles) {
    const f = gotFiles.get(rel)!;
    // Folded NFD twins share one name: only the NFC original's size is meaningful then.
    if (gaps.unicodeNormalization === undefined || rel === rel.normalize('NFD')) assert.equal(f.size, want.size, `size of ${rel}`);
    if (gaps.fileMtimes !== undefined) {
      assert.ok(f.mtime >= c.writtenAt - tol && f.mtime <= Date.now() / 1000 + tol, `mtime of ${rel} (${f.mtime}) should be its upload time`);
    } else {
      assert.ok(Math.abs(f.mtime - want.mtime) <= tol, `mtime of ${rel}: got ${f.mtime}, want ${want.mtime} ±${tol}`);
    }
  }

  const wantDirs = new Map<string, number>();
  for (const [rel, d] of expected.dirs) {
    if (excluded.some((x) => rel !== x && below(rel, x))) continue;
    if (gaps.longNames !== undefined && isLong(rel)) continue;
    if (gaps.emptyDirectories !== undefined && expected.emptyDirs.includes(rel)) continue;
    if (noBytes(rel)) continue;
    wantDirs.set(norm(rel), d.mtime);
  }
  const gotDirs = new Map<string, number>();
  for (const d of got.dirs) {
    if (d.lfn === root) continue;
    const rel = relativeTo(root, d.lfn);
    if (gaps.longNames !== undefined && truncated(rel)) continue;
    gotDirs.set(norm(rel), d.mtime);
  }
  const dd = nameDiff(gotDirs.keys(), wantDirs.keys());
  assert.deepEqual({ missing: short(dd.missing), extra: short(dd.extra) }, { missing: [], extra: [] }, 'directory names');
  for (const [rel, want] of wantDirs) {
    const m = gotDirs.get(rel)!;
    if (gaps.directoryMtimes !== undefined) {
      assert.ok(Number.isFinite(m) && m >= 0, `mtime of directory ${rel}: ${m}`);
    } else {
      assert.ok(Math.abs(m - want) <= tol, `mtime of directory ${rel}: got ${m}, want ${want} ±${tol}`);
    }
  }
  assert.ok(got.dirs.some((d) => d.lfn === root && d.isTop), 'the root closes as a top directory');
}
