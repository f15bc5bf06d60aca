/** Process CPU and memory from /proc, and CPU pinning with taskset. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

let clkTckCache: number | undefined;

/** Clock ticks per second (`getconf CLK_TCK`), the unit of utime/stime in /proc/<pid>/stat. */
export function clkTck(): number {
  if (clkTckCache === undefined) {
    try {
      clkTckCache = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    } catch {
      clkTckCache = 100;
    }
    if (!Number.isFinite(clkTckCache) || clkTckCache <= 0) clkTckCache = 100;
  }
  return clkTckCache;
}

/** utime + stime of the whole process (all threads), in clock ticks. */
export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Field 2 (comm) is parenthesised and may contain spaces: split after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); utime is field 14, stime field 15.
  return Number(rest[11]) + Number(rest[12]);
}

export function ticksToMicros(ticks: number): number {
  return (ticks * 1e6) / clkTck();
}

/** Resident set size in MB (VmRSS). */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
  return kb ? Number(kb) / 1024 : NaN;
}

let tasksetCache: boolean | undefined;

export function hasTaskset(): boolean {
  if (tasksetCache === undefined) {
    try {
      execFileSync('taskset', ['-V'], { stdio: 'ignore' });
      tasksetCache = true;
    } catch {
      tasksetCache = false;
    }
  }
  return tasksetCache;
}

/** The CPUs this process may run on, e.g. `0-1`. */
export function allowedCpus(pid: number | 'self' = 'self'): string {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return /Cpus_allowed_list:\s+(\S+)/.exec(status)?.[1] ?? '?';
}

/** Whether servers go on core 0 and the load generator on core 1. */
export function pinningEnabled(cpuCount: number): boolean {
  return process.env.BENCH_NO_PIN !== '1' && cpuCount >= 2 && hasTaskset();
}

/** Pins every thread of this process to core 1 (the load generator's core). */
export function pinSelfToLoadCore(): void {
  execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
}

/** The command prefix that pins a server child to core 0. */
export function serverPinPrefix(pin: boolean): string[] {
  return pin ? ['taskset', '-c', '0'] : [];
}

export function processAlive(pid: number): boolean {
  return existsSync(`/proc/${pid}/stat`);
}
