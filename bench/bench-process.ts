/**
 * What every "whole command" bench row needs: the installed command (bin → dist/) run as a user runs
 * it, timed as a whole process with its peak RSS, its stdout counted without keeping it, in a
 * working directory holding a plain consistency_config.json (no tuning keys unless a row says so).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's bin, as `npx dynamo-consistency` runs it. */
export const BIN = fileURLToPath(new URL('../bin/dynamo-consistency.mjs', import.meta.url));

/** Fails early with the fix when dist/ has not been built (the bin would exit 5 on every row). */
export function requireBuild(): void {
  if (!existsSync(new URL('../dist/cli/main.js', import.meta.url))) throw new Error('dist/ is missing: run `npm run build` first (the rows time the compiled command)');
}

export interface ProcessResult {
  /** Wall seconds from spawn to exit: start-up included, as a user times it. */
  seconds: number;
  /** Peak resident set of the process (and the largest of its children), from /usr/bin/time. */
  maxRssMb: number;
  /** Lines on stdout (counted, not kept). */
  lines: number;
  code: number | null;
  /** The first 100 kB of stderr, without /usr/bin/time's own line. */
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Called with every stdout chunk; the caller parses what it needs (lines are counted here). */
  onStdout?: (chunk: Buffer) => void;
}

const RSS_MARK = 'dc-bench-maxrss-kb ';

/** Runs argv under `/usr/bin/time -f` (peak RSS in kB), timing the whole process. */
export function runProcess(argv: readonly string[], opts: RunOptions = {}): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-f', `${RSS_MARK}%M`, ...argv], { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let lines = 0;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      // Counting newline bytes keeps the harness's own CPU small next to the process it times.
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
      opts.onStdout?.(chunk);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      if (stderr.length < 100_000) stderr += d;
    });
    child.once('error', reject);
    child.once('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const at = stderr.lastIndexOf(RSS_MARK);
      const maxRssMb = at >= 0 ? Number(stderr.slice(at + RSS_MARK.length).trim().split('\n')[0]) / 1024 : NaN;
      if (at >= 0) stderr = stderr.slice(0, at);
      // /usr/bin/time reports a non-zero exit of its child on a line of its own.
      stderr = stderr.replace(/^Command exited with non-zero status \d+\n?/m, '');
      resolve({ seconds, maxRssMb, lines, code, stderr });
    });
  });
}

/** Runs the installed command in `cwd` (where its consistency_config.json is). */
export function runCommand(args: readonly string[], opts: RunOptions = {}): Promise<ProcessResult> {
  return runProcess([process.execPath, BIN, ...args], opts);
}

/** A working directory with a consistency_config.json: the only keys are the ones passed. */
export function writeConfig(dir: string, config: Record<string, unknown>): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'consistency_config.json'), JSON.stringify(config, null, 2) + '\n');
  return dir;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** The machine line every README table carries: the machine is shared, so the load is part of a number. */
export function machineLine(): string {
  return `${cpus().length} cores, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Samples the 1-minute load average every few seconds while a bench runs; `summary()` gives min–max. */
export function watchLoad(everyMs = 5000): { summary(): string; stop(): void } {
  const seen: number[] = [loadavg()[0]];
  const timer = setInterval(() => seen.push(loadavg()[0]), everyMs);
  timer.unref();
  return {
    summary: () => `load average (1 min) ${Math.min(...seen).toFixed(1)}–${Math.max(...seen).toFixed(1)} during the run`,
    stop: () => clearInterval(timer),
  };
}
