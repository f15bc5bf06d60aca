/** A description of the machine the numbers were taken on. */
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  cpus: number;
  model: string;
  memoryGb: number;
  node: string;
}

export function machineInfo(): MachineInfo {
  let model = os.cpus()[0]?.model ?? 'unknown';
  try {
    const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
    model = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? model;
  } catch {
    // keep os.cpus() model
  }
  return {
    // os.cpus() counts online CPUs regardless of this process's affinity (unlike `nproc`).
    cpus: os.cpus().length,
    model,
    memoryGb: os.totalmem() / 1024 ** 3,
    node: process.version,
  };
}
