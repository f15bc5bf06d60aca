import { ErrorCode, GatewayError } from '../errors';
import type { Metrics } from '../observability/metrics';

export interface CallGateOptions {
  /** Calls to SEEK in flight at once, at most (SEEK_MAX_CONCURRENCY). */
  maxConcurrency: number;
  /** Calls waiting for a slot, at most (SEEK_QUEUE_MAX); past it: GATEWAY_BUSY at once. */
  queueMax: number;
  /** How long a call may wait for a slot (SEEK_QUEUE_TIMEOUT_MS); past it: GATEWAY_BUSY. */
  queueTimeoutMs: number;
  metrics: Metrics;
}

/** Gives a slot back; call it once, when SEEK's answer (or failure) is in. */
export type Release = (upstreamStatus: number | undefined) => void;

interface Waiter {
  resolve: (release: Release) => void;
  reject: (error: GatewayError) => void;
  timer: NodeJS.Timeout | undefined;
}

const RETRY_AFTER_SECONDS = 1;

const busy = (why: string) =>
  new GatewayError(
    ErrorCode.GatewayBusy,
    `The gateway is at its limit of concurrent calls to SEEK (${why}); try again in ${RETRY_AFTER_SECONDS} s`,
    { retryAfterSeconds: RETRY_AFTER_SECONDS },
    { headers: { 'retry-after': String(RETRY_AFTER_SECONDS) } },
  );

/**
 * The bound on concurrent calls to SEEK, with a bounded FIFO queue in front: a flood waits in
 * at most `queueMax` places for at most `queueTimeoutMs`, and the rest is answered 503
 * GATEWAY_BUSY at once, holding neither memory nor sockets.
 *
 * SEEK's own 429 lowers the bound for everyone (additive increase, multiplicative decrease, as
 * TCP paces itself): a 429 halves it (once per wave: the calls already in flight when it was
 * lowered do not lower it again), and every `limit` answers that are not 429 raise it by one,
 * up to `maxConcurrency`. No timer is involved: the pace follows SEEK's answers.
 */
export const createCallGate = (options: CallGateOptions) => {
  const { maxConcurrency, queueMax, queueTimeoutMs, metrics } = options;
  let limit = maxConcurrency;
  let inFlight = 0;
  const queue: Waiter[] = [];
  let answersSinceRaise = 0;
  /** Answers still due from calls that were in flight when the bound was last lowered. */
  let waveLeft = 0;
  metrics.seekConcurrencyLimit.set(limit);

  const note = (status: number | undefined) => {
    if (waveLeft > 0) waveLeft -= 1;
    if (status === 429) {
      answersSinceRaise = 0;
      if (waveLeft === 0 && limit > 1) {
        limit = Math.max(1, Math.floor(limit / 2));
        waveLeft = inFlight; // this call's slot is still counted: the others in flight
        metrics.seekConcurrencyLimit.set(limit);
        metrics.seekBackoffs.inc();
      }
      return;
    }
    if (status === undefined || limit >= maxConcurrency) return;
    answersSinceRaise += 1;
    if (answersSinceRaise >= limit) {
      answersSinceRaise = 0;
      limit += 1;
      metrics.seekConcurrencyLimit.set(limit);
    }
  };

  const release: Release = (status) => {
    note(status);
    inFlight -= 1;
    while (inFlight < limit && queue.length > 0) {
      const waiter = queue.shift() as Waiter;
      clearTimeout(waiter.timer);
      inFlight += 1;
      waiter.resolve(once());
    }
    metrics.seekInFlight.set(inFlight);
    metrics.seekQueueLength.set(queue.length);
  };

  /** A release that counts only its first call. */
  const once = (): Release => {
    let released = false;
    return (status) => {
      if (released) return;
      released = true;
      release(status);
    };
  };

  return {
    /**
     * A slot at once (no promise, the hot path) when one is free; otherwise a place in the
     * queue, or GATEWAY_BUSY thrown at once when it is full.
     */
    enter(): Release | Promise<Release> {
      if (inFlight < limit && queue.length === 0) {
        inFlight += 1;
        metrics.seekInFlight.set(inFlight);
        return once();
      }
      if (queue.length >= queueMax) throw busy(`${inFlight} in flight, ${queue.length} waiting`);
      return new Promise<Release>((resolve, reject) => {
        const waiter: Waiter = { resolve, reject, timer: undefined };
        waiter.timer = setTimeout(() => {
          const index = queue.indexOf(waiter);
          if (index >= 0) queue.splice(index, 1);
          metrics.seekQueueLength.set(queue.length);
          reject(busy(`no slot within ${queueTimeoutMs} ms`));
        }, queueTimeoutMs);
        waiter.timer.unref();
        queue.push(waiter);
        metrics.seekQueueLength.set(queue.length);
      });
    },
    /** The bound in force now (lowered after SEEK's 429s). */
    get limit() {
      return limit;
    },
    get inFlight() {
      return inFlight;
    },
  };
};

export type CallGate = ReturnType<typeof createCallGate>;
