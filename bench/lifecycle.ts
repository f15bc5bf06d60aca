/** Process set-up shared by run.ts and token-lifetime.ts: pinning, cleanup, a hard time limit. */
import { cleanupScratch, killAllChildren } from './child';
import { machineInfo } from './machine';
import { allowedCpus, pinningEnabled, pinSelfToLoadCore } from './procstat';

export interface Lifecycle {
  /** Servers on core 0, this process (autocannon) on core 1. */
  pin: boolean;
}

export function setUpBenchProcess(hardLimitS: number): Lifecycle {
  const pin = pinningEnabled(machineInfo().cpus);
  if (pin) pinSelfToLoadCore();
  console.error(
    pin
      ? `pinned: load generator on CPU ${allowedCpus()}, servers on CPU 0`
      : 'not pinned (taskset missing, < 2 CPUs, or BENCH_NO_PIN=1)',
  );
  const cleanup = (): void => {
    killAllChildren();
    cleanupScratch();
  };
  process.on('exit', cleanup);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      cleanup();
      process.exit(130);
    });
  }
  const watchdog = setTimeout(() => {
    console.error(`\n!!!!!!!! bench exceeded its ${hardLimitS} s limit, stopping`);
    cleanup();
    process.exit(2);
  }, hardLimitS * 1000);
  watchdog.unref();
  return { pin };
}
