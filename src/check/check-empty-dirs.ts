import type { DirSummary } from '../core/entries.ts';
import { parentDir } from '../core/lfn.ts';

/**
 * Empty directories (SEMANTICS.md): a directory is listed only when its whole subtree is empty,
 * old and not ignored, and it is not a top directory. The walker reports each directory after all
 * of its children, with the files, unlisted directories and newest mtime of its whole subtree; an
 * ignored directory below is the one thing those totals do not carry (a parent of an ignored
 * directory is never empty: removing it would remove the ignored one). So each directory that is
 * not empty marks its parent here. Memory: the marked directories whose own summary has not come
 * yet, at most the walker's open directories.
 */
export class EmptyDirJudge {
  private readonly notEmpty = new Set<string>();

  constructor(
    private readonly ageCut: number,
    private readonly isIgnored: (path: string) => boolean,
  ) {}

  /** The marks of directories whose summary has not come yet (a listing checkpoint keeps them). */
  pending(): string[] {
    return [...this.notEmpty];
  }

  /** Takes back the marks of a checkpoint (before any summary of the resumed walk). */
  restore(marks: readonly string[]): void {
    for (const m of marks) this.notEmpty.add(m);
  }

  /** Takes one directory summary (children before parents); true when it is an empty directory. */
  isEmpty(d: DirSummary): boolean {
    const heldByChild = this.notEmpty.delete(d.lfn);
    const empty = !heldByChild && d.files === 0 && !d.unlistedBelow && d.newestMtime <= this.ageCut && !this.isIgnored(d.lfn);
    if (d.isTop) return false;
    if (!empty) this.notEmpty.add(parentDir(d.lfn));
    return empty;
  }
}
