import type { Caller } from '../callers/caller';
import type { ForwardFields } from '../pipeline/forward';
import type { ForwardResult } from '../seek/forwarder';

/** What every resolver and the executor know about the request. */
export interface GatewayContext {
  caller: Caller;
  requestId: string;
  /** Sends SEEK's part of an operation with the request's caller and headers. */
  forward(fields: ForwardFields): Promise<ForwardResult>;
  /**
   * What execution learnt for the answer. An object of its own: Apollo Server shallow-copies
   * the context per operation, so only a nested object is seen by both sides.
   */
  report: {
    /** The status of the first of the gateway's own errors the operation raised … */
    gatewayErrorStatus: number | undefined;
    /** … and the headers it asks for (Retry-After on RATE_LIMITED). */
    gatewayErrorHeaders: Readonly<Record<string, string>> | undefined;
  };
}
