import type { Caller } from '../callers/caller';
import { ErrorCode, GatewayError } from '../errors';
import { keyDigest } from '../protection/keyDigest';

export interface DownloadGateOptions {
  /** Downloads at once, in all (ATTACHMENT_MAX_CONCURRENCY). */
  maxConcurrency: number;
  /** Downloads at once per caller (ATTACHMENT_MAX_CONCURRENCY_PER_CALLER). */
  maxPerCaller: number;
}

const RETRY_AFTER_SECONDS = 1;

const busy = (why: string) =>
  new GatewayError(
    ErrorCode.GatewayBusy,
    `The gateway is at its limit of concurrent downloads (${why}); try again in ${RETRY_AFTER_SECONDS} s`,
    { retryAfterSeconds: RETRY_AFTER_SECONDS },
    { headers: { 'retry-after': String(RETRY_AFTER_SECONDS) } },
  );

/**
 * Who a download counts against: a service by its key's name, a browser token by a digest of
 * it (never the token), anyone else by the address it came from.
 */
export const downloadCallerKey = (caller: Caller | undefined, address: string | undefined) => {
  if (caller?.kind === 'service') return `service:${caller.name}`;
  if (caller?.kind === 'seek-token') return `token:${keyDigest(caller.accessToken)}`;
  return `address:${address ?? 'unknown'}`;
};

/**
 * The bound on downloads in flight: at most `maxConcurrency` in all and `maxPerCaller` for any
 * one caller. No queue: a download past either bound is refused at once (503 GATEWAY_BUSY with
 * Retry-After). The per-caller counts hold only callers with a download in flight, so there are
 * never more of them than `maxConcurrency`.
 */
export const createDownloadGate = ({ maxConcurrency, maxPerCaller }: DownloadGateOptions) => {
  let inFlight = 0;
  const perCaller = new Map<string, number>();
  return {
    /** Takes a slot for `key`, or throws GATEWAY_BUSY; the release is idempotent. */
    enter(key: string): () => void {
      const held = perCaller.get(key) ?? 0;
      if (inFlight >= maxConcurrency) throw busy(`${maxConcurrency} in all`);
      if (held >= maxPerCaller) throw busy(`${maxPerCaller} per caller`);
      inFlight += 1;
      perCaller.set(key, held + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        inFlight -= 1;
        const left = (perCaller.get(key) ?? 1) - 1;
        if (left > 0) perCaller.set(key, left);
        else perCaller.delete(key);
      };
    },
    get inFlight() {
      return inFlight;
    },
  };
};

export type DownloadGate = ReturnType<typeof createDownloadGate>;
