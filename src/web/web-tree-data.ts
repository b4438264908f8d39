import { readFileSync } from 'node:fs';
import { escapeName } from '../core/escape.ts';
import { DcError } from '../core/errors.ts';
import type { FindingCategory } from '../store/site-findings.ts';
import type { WebContext } from './web-context.ts';
import { parseJson } from './web-data.ts';
import { TREE_KEYS, type TreeKey } from './web-files.ts';
import { treeLevel, type TreeLevel } from './web-tree.ts';

const CATEGORY: Partial<Record<TreeKey, FindingCategory>> = { missing: 'missing', orphan: 'orphan', sizeMismatch: 'size_mismatch', empty: 'empty' };

/** Findings with a size beyond this many are not summed: the tree then shows counts only. */
const MAX_SIZED_FINDINGS = 200_000;

/**
 * Sizes of this run's findings when the history holds them (size > 0), keyed by the name as
 * written in the list. Findings describe the latest finished run only, hence the run check.
 */
async function findingSizes(ctx: WebContext, site: string, runId: number, key: TreeKey): Promise<Map<string, number> | undefined> {
  const category = CATEGORY[key];
  if (!category) return undefined;
  const rows = await ctx.store.findings.collectOfRun(site, runId, category, { sized: true, limit: MAX_SIZED_FINDINGS + 1 });
  if (rows.length === 0 || rows.length > MAX_SIZED_FINDINGS) return undefined;
  return new Map(rows.map((r) => [escapeName(r.lfn), r.size]));
}

export interface TreeData {
  site: string;
  runId: number;
  key: TreeKey;
  level: TreeLevel;
  download: string | undefined;
  withSizes: boolean;
}

export async function loadTree(ctx: WebContext, runId: number, keyArg: string, dir: string): Promise<TreeData> {
  if (!(TREE_KEYS as readonly string[]).includes(keyArg)) throw new DcError('NOT_FOUND', 'no such list');
  const key = keyArg as TreeKey;
  const run = await ctx.store.runs.get(runId);
  const summary = ctx.files.list(run.site, 'summary');
  const onDisk = summary ? parseJson<{ runId?: number }>(readFileSync(summary.path, 'utf8')) : undefined;
  if (onDisk?.runId !== runId) throw new DcError('NOT_FOUND', 'the lists of this run are no longer kept');
  const file = ctx.files.list(run.site, key);
  if (!file) throw new DcError('NOT_FOUND', 'this run has no such list');
  const sizes = await findingSizes(ctx, run.site, runId, key);
  const level = await treeLevel(file.path, dir, sizes);
  const name = file.path.slice(file.path.lastIndexOf('/') + 1);
  return { site: run.site, runId, key, level, download: `/files/${encodeURIComponent(run.site)}/${encodeURIComponent(name)}`, withSizes: sizes !== undefined };
}
