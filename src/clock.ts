/** Time source; tests pass their own to move time without sleeping. */
export interface Clock {
  now(): number;
}
export const systemClock: Clock = { now: () => Date.now() };

/**
 * Waits `ms` milliseconds.
 *
 * By default the timer does not keep the process alive: that suits backoff inside request
 * handling, where the listening server already keeps the process running and a shutdown must
 * not wait for a retry nobody needs any more. A wait that may be the only thing pending (start-up,
 * a one-shot script) passes `{ keepAlive: true }`, or Node would exit, with code 0, mid-wait.
 */
export const sleep = (ms: number, options: { keepAlive?: boolean } = {}): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    if (!options.keepAlive) timer.unref();
  });

/**
 * Keeps the process alive until `work` settles, whatever timers (referenced or not) the work
 * waits on. The entry file and the scripts wrap their start-up in it: a retry backoff deep inside
 * (the partner-token exchange, introspection) must never let Node exit early and report success.
 */
export const keepAliveUntil = <T>(work: Promise<T>): Promise<T> => {
  const handle = setInterval(() => undefined, 60_000);
  return work.finally(() => clearInterval(handle));
};
