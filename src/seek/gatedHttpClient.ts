import type { HttpClient, StreamingUpstreamResponse, UpstreamResponse } from './httpClient';
import type { CallGate } from './callGate';

/**
 * The HTTP client for calls to SEEK's GraphQL host (forwarded operations and browser-token
 * exchanges): every call holds one of the gate's slots from sending to the last byte (a streamed
 * answer's too), and its status tells the gate SEEK's pace. Partner-token calls (auth.seek.com)
 * and start-up introspection do not pass the gate: they must not queue behind client traffic.
 */
export const createGatedHttpClient = (http: HttpClient, gate: CallGate): HttpClient => {
  /** The call with one of the gate's slots, held to the last byte of a streamed answer. */
  const gated = async <R extends UpstreamResponse | StreamingUpstreamResponse>(
    call: () => Promise<R>,
  ): Promise<R> => {
    const entered = gate.enter();
    const release = typeof entered === 'function' ? entered : await entered;
    let response: R;
    try {
      response = await call();
    } catch (error) {
      release(undefined);
      throw error;
    }
    const { status, rest } = response;
    if (rest) rest.onSettled(() => release(status));
    else release(status);
    return response;
  };
  return {
    post: (url, options) => gated(() => http.post(url, options)),
    postStreaming: (url, options, streamAbove) =>
      gated(() => http.postStreaming(url, options, streamAbove)),
    // Not used: downloads go through a client (and a pool) of their own, bounded by the download
    // gate (app.ts buildAttachments, pipeline/downloadGate.ts), never through this one.
    stream: (url, options) => http.stream(url, options),
    close: () => http.close(),
  };
};
