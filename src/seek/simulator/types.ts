// Public types of the SEEK simulator. Other modules (the gateway's startup and the test suites)
// are written against these, so changes here are API changes.

export type SimulatorRoute = 'auth' | 'browserToken' | 'graphql' | 'attachment';

export type SimulatorFault =
  /** Answer with this status (and body/headers) instead of the real answer. */
  | { kind: 'status'; status: number; body?: string; headers?: Record<string, string> }
  /** Answer normally, but only after `ms` milliseconds. */
  | { kind: 'delay'; ms: number }
  /** Accept the request and never answer it (until `close()`). */
  | { kind: 'hang' }
  /** Answer 200 with a body that is not valid JSON. */
  | { kind: 'malformed' }
  /** Destroy the socket without answering. */
  | { kind: 'reset' }
  /** Attachments only: send the headers and `afterBytes` bytes of the file, then nothing more. */
  | { kind: 'stall'; afterBytes: number };

/** A file added to the seeded application (`addAttachment`), its bytes generated as streamed. */
export interface SimulatedAttachment {
  sizeBytes: number;
  /** Default 'application/pdf'. */
  contentType?: string;
  /** Default 'generated.pdf'. */
  fileName?: string;
  /** Send Content-Length. Default true; false sends the file chunked. */
  declareLength?: boolean;
}

export interface RecordedRequest {
  route: SimulatorRoute | 'other';
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON when the body was JSON, otherwise the raw string ('' when there was none). */
  body: unknown;
  /** `Date.now()` when the request was received. */
  at: number;
}

export interface SimulatedHirer {
  id: string;
  name: string;
}

export interface SeekSimulatorOptions {
  /** Default 0 (a random free port). */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 'simulator-client'. */
  clientId?: string;
  /** Default 'simulator-secret'. */
  clientSecret?: string;
  /** Default 'https://graphql.seek.com'. */
  audience?: string;
  /** Default 'Simulated Partner'. */
  partnerName?: string;
  /** Hirers the partner has a relationship with. Default: "Fake Ltd" and "Acme Recruitment". */
  hirers?: SimulatedHirer[];
  /** Default 1800. */
  partnerTokenLifetimeSeconds?: number;
  /** Default 3600. */
  browserTokenLifetimeSeconds?: number;
}

export interface SeekSimulator {
  /** http://HOST:PORT */
  readonly url: string;
  /** `${url}/oauth/token` */
  readonly authUrl: string;
  /** `${url}/graphql` */
  readonly graphqlUrl: string;
  /** `${url}/auth/token` */
  readonly browserTokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly audience: string;
  readonly hirers: readonly SimulatedHirer[];
  /**
   * Requests in arrival order, bounded to the last 10,000. This is the live list (cleared in
   * place by `clearRequests()`), not a copy, so indexing it in a loop stays cheap.
   */
  readonly requests: readonly RecordedRequest[];
  /** Requests seen on a route since the last `clearRequests()` (not capped by the 10,000 bound). */
  count(route: SimulatorRoute): number;
  clearRequests(): void;
  /** Queue a fault for the next `times` requests on the route (default 1; Infinity = until clearFaults). */
  fault(route: SimulatorRoute, fault: SimulatorFault, times?: number): void;
  clearFaults(): void;
  /** Every token issued so far becomes expired now (SEEK revoking tokens mid-life). */
  expireTokens(): void;
  /** Lifetime of tokens issued from now on. */
  setTokenLifetime(kind: 'partner' | 'browser', seconds: number): void;
  /** Credential rotation: later token requests must use this secret; issued tokens stay valid. */
  setClientSecret(secret: string): void;
  /**
   * Adds a file to the seeded application; resolves its `Attachment.url`. Byte i of the file is
   * (i * 31 + 7) mod 251 (`generatedAttachmentBytes` makes the same bytes).
   */
  addAttachment(attachment: SimulatedAttachment): string;
  /** Revision ≥ 2 adds `Query.schemaRevision: Int!` (for schema-polling tests). */
  setSchemaRevision(revision: number): void;
  /** Closes the server and destroys every open socket (hanging and keep-alive ones included). */
  close(): Promise<void>;
}
