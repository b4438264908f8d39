/**
 * The fixture tree every lister's conformance run lists: written into a local directory (which a
 * backend then serves — nginx, XrdHttp, s3rver upload, a dump file…) and returned as the listing
 * the suite expects. Paths in the expected listing are relative to the fixture root, with a leading
 * "/" ("/names/with space.txt"); the root itself is not in `dirs`.
 */
import { mkdir, writeFile, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeName, encodeName } from '../../src/core/name-bytes.ts';

export interface ExpectedFile {
  size: number;
  /** Seconds since the epoch, whole seconds so second-precision backends can match exactly. */
  mtime: number;
}

export interface FixtureListing {
  files: Map<string, ExpectedFile>;
  /** Every directory below the root (root excluded) with its mtime. */
  dirs: Map<string, { mtime: number }>;
  /** Directories that hold nothing at all. */
  emptyDirs: string[];
  /** The directory larger than one page/chunk. */
  bigDir: string;
  bigDirEntries: number;
  /** A directory a backend may make unreadable (chmod 000, ACL); holds one file and one subdir. */
  lockedDir: string;
  /** A path that does not exist below the root. */
  missingDir: string;
  /** The awkward names, for reports and for tests that want to list them one by one. */
  awkwardNames: string[];
}

export interface FixtureOptions {
  /** Files in the big directory (default 1 500: above one XRootD chunk, one S3 page of 1 000). */
  bigDirEntries?: number;
  /** Bytes of the one large file (default 70 000: above 64 KiB socket reads). */
  largeFileBytes?: number;
  /** Size of the i-th ordinary file (default: i mod 4 097, so zero-byte files occur too). */
  sizeOf?: (i: number) => number;
}

/** 2020-09-13T12:26:40Z, then one step per entry so every mtime differs. */
const BASE_MTIME = 1_600_000_000;

/** Names that break naive URL, XML, shell or Unicode handling; each becomes one file in /names. */
export const AWKWARD_NAMES: readonly string[] = [
  'with space.txt',
  ' leading space.txt',
  'hash#frag.txt',
  '100%.txt',
  'pct%20literal.txt', // a double-decoding server would turn this into "pct literal.txt"
  'pct%2Fslash.txt', // decoded once too often, this becomes a path separator
  'amp&amp.txt',
  'plus+sign.txt',
  'question?mark.txt',
  "quote'single.txt",
  'quote"double.txt',
  'angle<br>.txt',
  'semi;colon=eq,comma.txt',
  'tilde~at@bang!dollar$.txt',
  'brackets[1](2){3}.txt',
  'cjk-日本語-데이터.txt',
  'caf\u00e9.txt', // NFC "café"
  'cafe\u0301.txt', // NFD "café": a distinct name on POSIX, must stay distinct
];

/**
 * NAME_MAX-sized entries (255 bytes), each in /long: a 255-byte file and a directory of 85
 * three-byte characters. Apart from /names, so a backend that cannot list such a name and refuses
 * its directory (xrootd 5.5 cuts them to 254 bytes) still shows how it lists the other awkward names.
 */
export const LONG_FILE_NAME = 'L'.repeat(251) + '.txt';

/**
 * Names whose bytes are not UTF-8 (issue 11 §2), as the tool holds them (U+DC80 + byte,
 * src/core/name-bytes.ts): written to disk as those very bytes. The last one is a directory.
 */
export const RAW_BYTE_NAMES: readonly string[] = [
  decodeName(Buffer.from('bad\xff\xfe.root', 'latin1')),
  decodeName(Buffer.from('latin1-caf\xe9.txt', 'latin1')),
];
export const RAW_BYTE_DIR = decodeName(Buffer.from('dir-\xe9t\xe9', 'latin1'));

/** 85 three-byte characters: a 255-byte directory name. */
const LONG_CJK_DIR = '目'.repeat(85);

export async function writeListerFixture(root: string, opts: FixtureOptions = {}): Promise<FixtureListing> {
  const bigN = opts.bigDirEntries ?? 1500;
  const sizeOf = opts.sizeOf ?? ((i: number) => (i * 37) % 4097);
  const files = new Map<string, ExpectedFile>();
  const dirs = new Map<string, { mtime: number }>();
  let step = 0;
  const nextMtime = () => BASE_MTIME + 7 * step++;

  const addDir = async (rel: string) => {
    await mkdir(encodeName(join(root, rel)), { recursive: true });
    dirs.set(rel, { mtime: 0 });
  };
  const addFile = async (rel: string, size: number) => {
    // Content derived from the path so a lister mixing files up would show different sizes.
    await writeFile(encodeName(join(root, rel)), Buffer.alloc(size, rel.length % 251));
    const mtime = nextMtime();
    await utimes(encodeName(join(root, rel)), mtime, mtime);
    files.set(rel, { size, mtime });
  };

  await mkdir(root, { recursive: true });
  let n = 0;
  await addDir('/empty');
  await addDir('/a');
  await addDir('/a/b');
  await addDir('/a/b/c');
  await addDir('/a/b/c/d');
  await addDir('/a/b/c/d/empty-deep');
  await addFile('/top-level.txt', 11);
  await addFile('/zero-bytes.bin', 0);
  await addFile('/a/one.txt', sizeOf(n++));
  await addFile('/a/b/two.txt', sizeOf(n++));
  await addFile('/a/b/c/three.txt', sizeOf(n++));
  await addFile('/a/b/c/d/deep.root', opts.largeFileBytes ?? 70_000);
  await addFile('/a/b/c/d/zero.root', 0);

  await addDir('/names');
  for (const name of AWKWARD_NAMES) await addFile('/names/' + name, 1 + (n++ % 300));
  for (const dir of ['dir with space #1', 'dir%25&amp?x', 'caf\u00e9', 'cafe\u0301']) {
    await addDir('/names/' + dir);
    await addFile(`/names/${dir}/inside.txt`, sizeOf(n++));
  }
  await addDir('/long');
  await addFile('/long/' + LONG_FILE_NAME, 1 + (n++ % 300));
  await addDir('/long/' + LONG_CJK_DIR);
  await addFile(`/long/${LONG_CJK_DIR}/inside.txt`, sizeOf(n++));

  await addDir('/bytes');
  for (const name of RAW_BYTE_NAMES) await addFile('/bytes/' + name, 1 + (n++ % 300));
  await addDir('/bytes/' + RAW_BYTE_DIR);
  await addFile(`/bytes/${RAW_BYTE_DIR}/inside.txt`, sizeOf(n++));

  await addDir('/big');
  for (let i = 0; i < bigN; i++) await addFile(`/big/f${String(i).padStart(6, '0')}.dat`, sizeOf(i));
  await addDir('/big/sub');
  await addFile('/big/sub/last.dat', 3);

  await addDir('/locked');
  await addDir('/locked/inner');
  await addFile('/locked/secret.txt', 6);
  await addFile('/locked/inner/deeper.txt', 7);

  // Directory mtimes last, deepest first: writing a child bumps its parent's mtime.
  const byDepth = [...dirs.keys()].sort((x, y) => y.split('/').length - x.split('/').length);
  for (const rel of byDepth) {
    const mtime = nextMtime();
    await utimes(encodeName(join(root, rel)), mtime, mtime);
    dirs.set(rel, { mtime });
  }
  return {
    files,
    dirs,
    emptyDirs: ['/empty', '/a/b/c/d/empty-deep'],
    bigDir: '/big',
    bigDirEntries: bigN + 1,
    lockedDir: '/locked',
    missingDir: '/does-not-exist',
    awkwardNames: [...AWKWARD_NAMES],
  };
}
