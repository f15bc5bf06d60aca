import { systemClock, type Clock } from '../clock';
import type { Logger } from '../observability/logger';
import { readBounded } from './boundedRead';
import {
  CredentialsError,
  sameCredentials,
  type CredentialSource,
  type SeekCredentials,
} from './types';

/** Why the credentials are read again. */
export type RefreshReason = 'scheduled' | 'rejected';

export interface CredentialHealth {
  /** `degraded`: the last read failed; the last good credentials are still in use. */
  state: 'ok' | 'degraded';
  kind: CredentialSource['kind'];
  /** The source, naming its variable (no value). */
  source: string;
  /** While degraded: what the failed read said (a CredentialsError message, no value). */
  problem?: string;
  /** When the last read succeeded (clock milliseconds). */
  lastReadAt?: number;
}

export interface CredentialProvider {
  readonly source: CredentialSource;
  /**
   * The first read, bounded by SEEK_CREDENTIALS_TIMEOUT_MS; then the periodic re-read starts.
   * Rejects with a CredentialsError naming what to fix. Idempotent.
   */
  start(): Promise<SeekCredentials>;
  /** The credentials in use: the last ones read successfully. Only after start() resolved. */
  current(): SeekCredentials;
  /**
   * Reads the source again (one read at a time, shared by every caller). Never rejects: a
   * failed read keeps the last good credentials, marks the provider degraded and logs why.
   * `waitMs` bounds how long the caller waits; the read itself carries on to its own bound.
   */
  refresh(reason: RefreshReason, options?: { waitMs?: number }): Promise<void>;
  health(): CredentialHealth;
  /** Stops the periodic re-read and releases the source. Idempotent. */
  close(): void;
}

export interface CredentialProviderOptions {
  source: CredentialSource;
  /** SEEK_CREDENTIALS_REFRESH_SECONDS. */
  refreshSeconds: number;
  /** SEEK_CREDENTIALS_TIMEOUT_MS: bound on one read. */
  timeoutMs: number;
  logger: Logger;
  /** @default the system clock */
  clock?: Clock;
}

/**
 * After auth.seek.com rejects credentials, the source is re-read at most this often: a
 * credential that stays wrong must not turn every request into a call to the store.
 */
const REJECTED_REREAD_MIN_INTERVAL_MS = 1_000;

/**
 * Holds the SEEK client credentials from one source: read at start-up, re-read every
 * `refreshSeconds` and after auth.seek.com rejects them, so a secret rotated in the store is in
 * use with no restart. A store that is down keeps the last good credentials (rotation waits;
 * serving does not), which /ready reports as degraded and the log says once per failed read.
 */
export const createCredentialProvider = (
  options: CredentialProviderOptions,
): CredentialProvider => {
  const { source, logger, timeoutMs } = options;
  const clock = options.clock ?? systemClock;
  const log = logger.child({ credentials: source.kind });
  let credentials: SeekCredentials | undefined;
  let started: Promise<SeekCredentials> | undefined;
  let inflight: Promise<void> | undefined;
  let problem: string | undefined;
  let lastReadAt: number | undefined;
  let lastRejectedRereadAt = Number.NEGATIVE_INFINITY;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const reread = (reason: RefreshReason): Promise<void> =>
    (inflight ??= (async () => {
      try {
        const next = await readBounded(source, timeoutMs);
        const previous = credentials;
        credentials = next;
        lastReadAt = clock.now();
        if (problem !== undefined) {
          problem = undefined;
          log.info({ source: source.description }, 'SEEK credentials source answers again');
        }
        if (previous && !sameCredentials(previous, next)) {
          log.info(
            {
              source: source.description,
              reason,
              clientIdChanged: previous.clientId !== next.clientId,
            },
            'SEEK credentials changed in their source; the next partner-token exchange uses them',
          );
        }
      } catch (error) {
        problem = error instanceof CredentialsError ? error.message : 'the read failed';
        log.warn(
          { source: source.description, reason, problem },
          'could not re-read the SEEK credentials; still using the last good ones',
        );
      } finally {
        inflight = undefined;
      }
    })());

  return {
    source,
    start: () =>
      (started ??= (async () => {
        const first = await readBounded(source, timeoutMs);
        credentials = first;
        lastReadAt = clock.now();
        log.info({ source: source.description }, 'SEEK credentials read');
        if (source.rereadable && !closed) {
          timer = setInterval(() => void reread('scheduled'), options.refreshSeconds * 1_000);
          // Re-reading never keeps the process alive on its own (shutdown, one-shot scripts).
          timer.unref();
        }
        return first;
      })()),
    current: () => {
      if (!credentials) throw new Error('the SEEK credentials have not been read yet (start())');
      return credentials;
    },
    async refresh(reason, refreshOptions = {}) {
      if (!source.rereadable || closed || !credentials) return;
      if (reason === 'rejected') {
        const now = clock.now();
        if (now - lastRejectedRereadAt < REJECTED_REREAD_MIN_INTERVAL_MS) return;
        lastRejectedRereadAt = now;
      }
      const read = reread(reason);
      if (refreshOptions.waitMs === undefined) return read;
      let wait: NodeJS.Timeout | undefined;
      await Promise.race([
        read,
        new Promise<void>((resolve) => {
          wait = setTimeout(resolve, Math.max(0, refreshOptions.waitMs ?? 0));
        }),
      ]);
      clearTimeout(wait);
    },
    health: () => ({
      state: problem === undefined ? 'ok' : 'degraded',
      kind: source.kind,
      source: source.description,
      ...(problem === undefined ? {} : { problem }),
      ...(lastReadAt === undefined ? {} : { lastReadAt }),
    }),
    close: () => {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      source.close();
    },
  };
};
