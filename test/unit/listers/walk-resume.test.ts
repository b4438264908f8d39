/**
 * Walk checkpoints (issue 16 §2): the events before a checkpoint plus those of a walk resumed from
 * it are exactly the events of an uninterrupted walk — every file once, every directory summary
 * with the same totals — whichever checkpoint the walk was cut at.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DirEntry } from '../../../src/core/entries.ts';
import type { Lister, TreeItem } from '../../../src/listers/lister.ts';
import { walk, type WalkCheckpointEvent, type WalkEvent, type WalkFrontier, type CheckpointedWalkOptions } from '../../../src/listers/walker.ts';
import { MemoryLister } from '../../helpers/memory-site.ts';

function makeLister(): MemoryLister {
  const files = [];
  for (let t = 0; t < 3; t++) for (let a = 0; a < 5; a++) for (let b = 0; b < 4; b++) for (let f = 0; f < (a + b) % 3; f++) files.push({ path: `/s/t${t}/a${a}/b${b}/f${f}`, size: 10 * t + a + b + f, mtime: 1000 + a * 10 + b });
  const l = new MemoryLister(files, [{ path: '/s/t1/a9/empty', mtime: 5 }]);
  l.failures.set('/s/t2/a3', Infinity);
  l.delayMs = 1;
  return l;
}

/** What a walk says, in an order-free form. */
function digest(events: (WalkEvent | WalkCheckpointEvent)[]): string[] {
  const out: string[] = [];
  for (const e of events) {
    if (e.type === 'files') for (const f of e.files) out.push(`F ${f.lfn} ${f.size} ${f.mtime}`);
    else if (e.type === 'dir') out.push(`D ${JSON.stringify(e.dir)}`);
    else if (e.type === 'unlisted') out.push(`U ${e.lfn} ${e.code}`);
  }
  return out.sort();
}

async function collect(lister: Lister, opts: CheckpointedWalkOptions, stopAt = Infinity): Promise<{ events: (WalkEvent | WalkCheckpointEvent)[]; frontier?: WalkFrontier }> {
  const events: (WalkEvent | WalkCheckpointEvent)[] = [];
  let seen = 0;
  for await (const e of walk(lister, opts)) {
    if (e.type === 'checkpoint' && ++seen === stopAt) return { events, frontier: e.frontier };
    events.push(e);
  }
  return { events };
}

const base = (tops: string[]): CheckpointedWalkOptions => ({ tops, concurrency: 4, retries: 0, timeoutMs: 5000, retryDelayMs: 1, checkpoint: { everyDirs: 3, everyMs: 60_000 } });

describe('walk checkpoints', () => {
  it('per directory: cut at any checkpoint and resumed, the events are those of one whole walk', async () => {
    const tops = ['/s/t0', '/s/t1', '/s/t2'];
    const whole = await collect(makeLister(), base(tops));
    const checkpoints = whole.events.filter((e) => e.type === 'checkpoint').length;
    assert.ok(checkpoints >= 10, `${checkpoints} checkpoints`);
    const expected = digest(whole.events);
    for (let k = 1; k <= checkpoints; k++) {
      const first = await collect(makeLister(), base(tops), k);
      assert.ok(first.frontier, `checkpoint ${k} reached`);
      // Through JSON, as the checkpoint file carries it.
      const frontier = JSON.parse(JSON.stringify(first.frontier)) as WalkFrontier;
      const again = makeLister();
      const rest = await collect(again, { ...base(tops), resumeFrom: frontier });
      assert.deepEqual(digest([...first.events, ...rest.events]), expected, `cut at checkpoint ${k}`);
      assert.equal(again.listed.length + frontier.dirsListed, makeListedCount(expected), `cut at checkpoint ${k}: no directory listed twice`);
    }
  });

  it('tree listers: a checkpoint after each top, and a resumed walk skips the finished tops', async () => {
    const l = makeLister();
    const tree: Lister = {
      kind: 'tree-fake',
      listDir: (p, s) => l.listDir(p, s),
      async *listTree(path: string): AsyncIterable<TreeItem[]> {
        const items: TreeItem[] = [];
        const post = (dir: string) => {
          const entries = l.dirs.get(dir) as DirEntry[];
          for (const e of entries) if (e.isDir) post(`${dir}/${e.name}`);
          items.push({ type: 'dir', path: dir, mtime: 7, entries });
        };
        post(path);
        yield items;
      },
      close: async () => undefined,
    };
    const tops = ['/s/t0', '/s/t1'];
    const whole = await collect(tree, base(tops));
    const t0Dirs = whole.events.filter((e) => e.type === 'dir' && e.dir.lfn.startsWith('/s/t0')).length;
    assert.deepEqual(whole.events.filter((e) => e.type === 'checkpoint').map((e) => (e as WalkCheckpointEvent).frontier), [{ kind: 'tops', done: ['/s/t0'], dirsListed: t0Dirs }]);
    const first = await collect(tree, base(tops), 1);
    const rest = await collect(tree, { ...base(tops), resumeFrom: first.frontier });
    assert.deepEqual(digest([...first.events, ...rest.events]), digest(whole.events));
    assert.ok(rest.events.every((e) => e.type !== 'dir' || e.dir.lfn.startsWith('/s/t1')), 'the finished top is not listed again');
  });
});

/** Directories that list successfully, from a walk's digest: every closed directory but the unlisted one and those below it. */
function makeListedCount(d: string[]): number {
  const unlisted = d.filter((x) => x.startsWith('U ')).map((x) => x.split(' ')[1]);
  return d.filter((x) => x.startsWith('D ')).map((x) => JSON.parse(x.slice(2)).lfn as string).filter((lfn) => !unlisted.some((u) => lfn === u || lfn.startsWith(u + '/'))).length;
}
