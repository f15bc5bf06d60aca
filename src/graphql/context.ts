import type { Caller } from '../callers/caller';

/** What every resolver and the executor know about the request. */
export interface GatewayContext {
  caller: Caller;
  requestId: string;
  sessionId: string | undefined;
  acceptLanguage: string | undefined;
  /** Filled in when SEEK answered, for the request log line. */
  upstreamStatus: number | undefined;
}
