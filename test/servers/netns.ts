import { execFile, spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

/**
 * A throw-away network namespace joined to the host by a veth pair, for servers that listen on every
 * interface and clients that send reverse-DNS queries for their own addresses (SERVERS.md): inside
 * the namespace nothing can reach the outside resolver, and the host reaches the namespace at
 * `nsAddr`. Names and the /30 are unique per process and per call, so test files run in parallel.
 */
export interface Netns {
  /** Namespace name, as `ip netns exec NAME` takes it. */
  readonly name: string;
  /** Address of the host end of the veth pair. */
  readonly hostAddr: string;
  /** Address of the namespace end: what the host connects to. */
  readonly nsAddr: string;
  /** Command prefix running a program inside the namespace: `[...prefix, cmd, ...args]`. */
  readonly prefix: readonly string[];
  /** Runs a command inside the namespace to completion. Never rejects on a non-zero exit. */
  exec(cmd: string, args: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Starts a long-running command inside the namespace. */
  spawn(cmd: string, args: readonly string[], opts?: SpawnOptions): ChildProcess;
  /** Kills what still runs inside, deletes the namespace and the veth pair. Idempotent. */
  destroy(): Promise<void>;
}

export interface ExecOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  input?: string;
}

export interface ExecResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const NAME_PREFIX = 'dctest-';
const LOCK = '/tmp/dctest-netns.lock';
/** 10.231.0.0/16 holds 16384 /30 blocks; block 0 is left to the hand-run recipe in SERVERS.md. */
const BLOCKS = 16384;

let counter = 0;
let cleanupCounter = 0;
/**
 * Namespaces this process created and has not destroyed yet. Module-level on purpose: the exit
 * handler must find them even when a test forgot `destroy()` or the process is being killed.
 */
const live = new Map<string, () => void>();
let hooksInstalled = false;

/**
 * Registers `fn` to run when the process exits or is killed by SIGINT/SIGTERM/SIGHUP (test servers
 * use it for their temporary directories). Returns a function that unregisters it.
 */
export function addExitCleanup(fn: () => void): () => void {
  installExitHooks();
  const key = `cleanup-${cleanupCounter++}`;
  live.set(key, () => {
    live.delete(key);
    try {
      fn();
    } catch {
      // best effort while exiting
    }
  });
  return () => {
    live.delete(key);
  };
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const cleanup of [...live.values()]) cleanup();
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = () => {
      for (const cleanup of [...live.values()]) cleanup();
      // Re-raise with the default action so the exit status still says "killed by SIGxxx".
      process.removeListener(sig, handler);
      process.kill(process.pid, sig);
    };
    process.on(sig, handler);
  }
}

function sh(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(args[0], args.slice(1), { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error ? String(r.error) : '') };
}

/** Kills every process still inside the namespace, then deletes it (the veth pair goes with it). */
function removeNamespaceSync(name: string, hostIf: string | undefined): void {
  const pids = sh(['ip', 'netns', 'pids', name]).stdout.split(/\s+/).filter(Boolean);
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  sh(['ip', 'netns', 'del', name]);
  if (hostIf) sh(['ip', 'link', 'del', hostIf]);
}

/** Deletes namespaces left behind by test processes that died without cleaning up. */
function sweepStale(): void {
  let names: string[];
  try {
    names = existsSync('/run/netns') ? readdirSync('/run/netns') : [];
  } catch {
    return;
  }
  for (const ns of names) {
    const m = /^dctest-(\d+)-(\d+)$/.exec(ns);
    if (!m || Number(m[1]) === process.pid) continue;
    if (isAlive(Number(m[1]))) continue;
    removeNamespaceSync(ns, vethNames(Number(m[1]), Number(m[2])).host);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Interface names are limited to 15 bytes: "dt" + base-36 pid + "x" + base-36 counter + side. */
function vethNames(pid: number, n: number): { host: string; ns: string } {
  const stem = `dt${pid.toString(36)}x${n.toString(36)}`;
  return { host: `${stem}h`, ns: `${stem}n` };
}

function blockAddrs(block: number): { hostAddr: string; nsAddr: string } {
  const base = block * 4;
  const third = (base >> 8) & 0xff;
  const fourth = base & 0xff;
  return { hostAddr: `10.231.${third}.${fourth + 1}`, nsAddr: `10.231.${third}.${fourth + 2}` };
}

function execFileP(cmd: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      [...args],
      { env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: unknown; signal?: NodeJS.Signals }) | null;
        if (e && typeof e.code === 'string') {
          resolve({ code: null, signal: null, stdout: stdout ?? '', stderr: `${stderr ?? ''}${e.message}` });
          return;
        }
        resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, signal: e?.signal ?? null, stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/**
 * Creates the namespace and veth pair. The /30 is derived from pid and counter, then moved on past
 * any block already configured on the host; the check and the setup run under one `flock` so two
 * test processes never take the same block.
 */
export async function createNetns(): Promise<Netns> {
  if (process.getuid?.() !== 0) {
    throw new Error('network namespaces need root: run the tests as root (CI does), after scripts/setup-system.sh');
  }
  installExitHooks();
  sweepStale();
  const n = counter++;
  const name = `${NAME_PREFIX}${process.pid}-${n}`;
  const veth = vethNames(process.pid, n);
  const inUse = new Set(
    [...sh(['ip', '-o', '-4', 'addr', 'show']).stdout.matchAll(/inet 10\.231\.(\d+)\.(\d+)\//g)].map(
      (m) => (Number(m[1]) * 256 + Number(m[2])) >> 2,
    ),
  );
  let block = 1 + ((process.pid * 97 + n * 7919) % (BLOCKS - 1));
  while (inUse.has(block)) block = 1 + (block % (BLOCKS - 1));
  const { hostAddr, nsAddr } = blockAddrs(block);

  // One shell script under the lock: re-check the block (another process may have taken it since
  // we looked), then build the pair. Exit 3 means "taken, pick another".
  const script = [
    'set -e',
    `if ip -o -4 addr show | grep -q "inet $3/"; then exit 3; fi`,
    'ip netns add "$1"',
    'ip link add "$4" type veth peer name "$5"',
    'ip link set "$5" netns "$1"',
    'ip addr add "$3/30" dev "$4"',
    'ip link set "$4" up',
    'ip netns exec "$1" ip addr add "$2/30" dev "$5"',
    'ip netns exec "$1" ip link set "$5" up',
    'ip netns exec "$1" ip link set lo up',
  ].join('\n');
  const cleanup = () => {
    live.delete(name);
    removeNamespaceSync(name, veth.host);
  };
  live.set(name, cleanup);
  const r = await execFileP('flock', ['-w', '30', LOCK, 'sh', '-c', script, 'sh', name, nsAddr, hostAddr, veth.host, veth.ns]);
  if (r.code !== 0) {
    cleanup();
    if (r.code === 3 && n < 1000) return createNetns();
    throw new Error(`could not create network namespace ${name} (exit ${r.code}): ${r.stderr.trim()} — needs root, iproute2 and util-linux (scripts/setup-system.sh)`);
  }

  const prefix = ['ip', 'netns', 'exec', name] as const;
  let destroyed = false;
  return {
    name,
    hostAddr,
    nsAddr,
    prefix,
    exec: (cmd, args, opts) => execFileP(prefix[0], [...prefix.slice(1), cmd, ...args], opts),
    spawn: (cmd, args, opts) => spawn(prefix[0], [...prefix.slice(1), cmd, ...args], opts ?? {}),
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      cleanup();
    },
  };
}
