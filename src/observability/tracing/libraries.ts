// The client spans of calls that libraries make for the gateway, each hooked where the library
// lets a caller in, and written once here:
//
//   node:http(s)   an agent whose addRequest sees each request before its headers go out (jose's
//                  JWKS fetch: jose 5 takes an `agent` but only fixed `headers`)
//   AWS SDK v3     a middleware in the client's stack, innermost (after retries and signing)
//   Azure SDK      a pipeline policy at position perRetry (after the Sign phase)
//
// Each makes one client span per request on the wire, child of the active span, and sends that
// span's `traceparent`. Calls to SEEK (undici) get theirs in src/seek/httpClient.ts, Redis
// commands theirs in src/tokens/cache/sharedStore.ts. Nothing here is loaded into a span but
// the span's name, the method, the host, the status and the attributes the caller names: no
// path (a Key Vault path names the secret), no query, no header, no body.
//
// Every hook is installed only when tracing is on: with it off, the libraries run as they are.
import {
  globalAgent as httpGlobalAgent,
  type Agent as HttpAgent,
  type ClientRequest,
  type IncomingMessage,
} from 'node:http';
import { globalAgent as httpsGlobalAgent } from 'node:https';

import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import type { DeserializeMiddleware, MiddlewareStack } from '@smithy/types';

import type { SpanAttributes, Tracing } from './types';

/** What names a library call's span. */
export interface LibrarySpan {
  /** The span's name, e.g. `JWKS fetch`. */
  name: string;
  /** Safe attributes only: a store's kind, an operation's name. */
  attributes?: SpanAttributes;
}

/** The internal method node:http calls on an agent with each request, headers not yet sent. */
type AgentWithAddRequest = HttpAgent & {
  addRequest(request: ClientRequest, options: object): void;
};

/**
 * An agent that gives each request through it a client span and its `traceparent`, then hands
 * the request to `agent` (the proxy's, or node's global agent for the URL's protocol). Node calls
 * `addRequest` from the ClientRequest constructor, before `end()` writes the headers, so a header
 * set there goes out with the request.
 */
export const tracedNodeAgent = (
  tracing: Tracing,
  span: LibrarySpan & { url: URL; agent: HttpAgent | undefined },
): HttpAgent => {
  // addRequest is not in @types/node; every Agent (node's, agent-base's) has it.
  const base = (span.agent ??
    (span.url.protocol === 'https:' ? httpsGlobalAgent : httpGlobalAgent)) as AgentWithAddRequest;
  // Everything else (protocol, defaultPort, the pools) is read from the agent behind it.
  const traced = Object.create(base) as AgentWithAddRequest;
  traced.addRequest = (request, options) => {
    // The Host header names the port too; only scheme, host and path reach the span.
    const host = request.getHeader('host');
    const call = tracing.startOutbound({
      name: span.name,
      method: request.method,
      url: `${request.protocol}//${typeof host === 'string' ? host : request.host}${request.path}`,
      attributes: span.attributes,
    });
    if (call.traceparent) request.setHeader('traceparent', call.traceparent);
    let ended = false;
    const end = (status: number | undefined) => {
      if (ended) return;
      ended = true;
      call.done(status);
    };
    // The span ends with the answer's status line (a library may never read a refused body), or
    // with no answer when the request times out (jose then gives up on it), fails or is
    // destroyed first. These listeners run before the library's own, registered after.
    request.once('response', (response: IncomingMessage) => end(response.statusCode));
    request.once('timeout', () => end(undefined));
    request.once('error', () => end(undefined));
    request.once('close', () => end(undefined));
    base.addRequest(request, options);
  };
  return traced;
};

/** The parts of the SDK's HttpRequest and HttpResponse the middleware reads and writes. */
interface AwsHttpRequest {
  method: string;
  protocol: string;
  hostname: string;
  headers: Record<string, string>;
}
interface AwsHttpResponse {
  statusCode?: number;
}

/**
 * Adds the tracing middleware to an AWS SDK v3 client. It sits innermost in the `deserialize`
 * step, so it runs once per attempt (inside the retry strategy) on the request as signed (the
 * `traceparent` is not among the signed headers, which SigV4 allows), and sees the raw response.
 * The operation is the command's name (`GetSecretValue`); its input is never read.
 */
export const traceAwsClient = <Input extends object, Output extends object>(
  client: { middlewareStack: MiddlewareStack<Input, Output> },
  tracing: Tracing,
  span: LibrarySpan,
) => {
  const middleware: DeserializeMiddleware<Input, Output> = (next, context) => async (args) => {
    // The SDK types the request `unknown` at this step; it is always its HttpRequest here.
    const request = args.request as AwsHttpRequest;
    const commandName: unknown = context.commandName;
    const operation =
      typeof commandName === 'string' ? commandName.replace(/Command$/, '') : undefined;
    const call = tracing.startOutbound({
      name: operation ? `${span.name} ${operation}` : span.name,
      method: request.method,
      url: `${request.protocol}//${request.hostname}/`,
      hostOnly: true,
      attributes: { ...span.attributes, 'gateway.store.operation': operation },
    });
    if (call.traceparent) request.headers.traceparent = call.traceparent;
    try {
      const result = await next(args);
      call.done((result.response as AwsHttpResponse | undefined)?.statusCode);
      return result;
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
        ?.httpStatusCode;
      call.done(typeof status === 'number' ? status : undefined);
      throw error;
    }
  };
  client.middlewareStack.add(middleware, {
    step: 'deserialize',
    priority: 'low',
    name: 'gatewayTracingMiddleware',
  });
};

/**
 * The tracing policy for an Azure SDK client or credential, to pass as
 * `additionalPolicies: [{ policy, position: 'perRetry' }]`: the Azure pipeline then runs it after
 * the Sign phase, once per request on the wire (Key Vault's bearer challenge is two: the 401 and
 * the authenticated read, each a span with a traceparent of its own). The URL's path (the secret's
 * name, the tenant) is not written.
 */
export const azureTracingPolicy = (tracing: Tracing, span: LibrarySpan): PipelinePolicy => ({
  name: 'gatewayTracingPolicy',
  async sendRequest(request, next) {
    const call = tracing.startOutbound({
      name: span.name,
      method: request.method,
      url: request.url,
      hostOnly: true,
      attributes: span.attributes,
    });
    if (call.traceparent) request.headers.set('traceparent', call.traceparent);
    try {
      const response = await next(request);
      call.done(response.status);
      return response;
    } catch (error) {
      const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
      call.done(typeof status === 'number' ? status : undefined);
      throw error;
    }
  },
});
