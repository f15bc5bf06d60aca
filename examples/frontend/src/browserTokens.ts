// SEEK browser tokens for a frontend, from the gateway's `browserToken` mutation. Copy this file
// into your app: it has no dependencies and touches no DOM (it runs in a browser, a worker or Node).
//
//   const tokens = createBrowserTokens({
//     fetchToken: gatewayTokenFetcher({ url: 'https://gateway.example/graphql', userToken: () => appJwt }),
//   });
//   const result = await tokens.withToken(hirerId, 'query:organizations', (token) =>
//     postGraphql(token, '{ self { hirer { name } } }'), // your own call to the gateway
//   );
//
// Instead of a scope, name the trusted documents the token will run (ids from the manifest your
// build registers with the gateway): `{ documents: [selfId, categoriesId] }`. The gateway then
// asks SEEK for exactly the scopes those documents need, and you never list scopes by hand.
//
// - A token is cached per hirer and scope, or per hirer and set of documents (the signed-in user
//   is this page's: call clear() when they sign out) for its `expiresIn` minus a safety margin
//   (60 s by default, as SEEK suggests).
// - Callers asking for the same hirer and scope (or documents) at once share one request.
// - withToken() runs your request with the token and, when SEEK answers UNAUTHENTICATED (the token
//   expired or was revoked early), asks for a new token once (`forceRefresh: true`, so the gateway
//   does not hand back the one SEEK refused) and runs the request once more. It never loops.

/** What the gateway's browserToken mutation gives (the fields this module needs). */
export interface BrowserTokenGrant {
  accessToken: string;
  /** Seconds the token has left. */
  expiresIn: number;
  /** The scope SEEK granted, normalised (the union of the documents', when asked by documents). */
  scope?: string;
}

/** What a token is for: a space-separated scope, or the ids of the trusted documents it runs. */
export type TokenAccess = string | { documents: readonly string[] };

export interface BrowserTokenRequest {
  hirerId: string;
  /** Normalised: unique scopes, sorted, space-separated. Absent when asked by documents. */
  scope?: string;
  /** Unique and sorted ids of trusted documents. Absent when asked by scope. */
  documents?: readonly string[];
  /** Skip the gateway's cache: the token it holds was refused. */
  forceRefresh: boolean;
}

/** Asks the gateway for a token (see gatewayTokenFetcher for one that calls it over HTTP). */
export type FetchBrowserToken = (request: BrowserTokenRequest) => Promise<BrowserTokenGrant>;

export interface BrowserTokensOptions {
  fetchToken: FetchBrowserToken;
  /** A token is not used this close to its expiry. @default 60 */
  marginSeconds?: number;
  /** Milliseconds since the epoch. @default Date.now */
  now?: () => number;
}

/** A GraphQL response, as far as this module looks at it. */
export interface GraphqlResult {
  data?: unknown;
  errors?: ReadonlyArray<{ message?: string; extensions?: { code?: unknown } }>;
}

/** SEEK refused the token itself: no data, an UNAUTHENTICATED error. */
export const isUnauthenticated = (result: GraphqlResult): boolean =>
  (result.data === undefined || result.data === null) &&
  (result.errors ?? []).some((error) => error.extensions?.code === 'UNAUTHENTICATED');

/** Unique, sorted, space-separated: "b a a" and "a b" are one cache entry, as at the gateway. */
export const normaliseScope = (scope: string): string =>
  [...new Set(scope.split(/\s+/).filter(Boolean))].sort().join(' ');

/** The access, normalised: its cache key (per hirer) and what the gateway is asked for. */
const normaliseAccess = (access: TokenAccess) => {
  if (typeof access === 'string') {
    const scope = normaliseScope(access);
    return { key: scope, asked: { scope } };
  }
  const documents = [...new Set(access.documents)].sort();
  // A scope never starts with "documents:", so the two kinds of key never meet.
  return { key: `documents:${documents.join(',')}`, asked: { documents } };
};

interface Entry {
  accessToken: string;
  /** Epoch ms after which the token is not used (its expiry minus the margin). */
  usableUntil: number;
}

export const createBrowserTokens = (options: BrowserTokensOptions) => {
  const marginMs = (options.marginSeconds ?? 60) * 1_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, Entry>();
  const inFlight = new Map<string, Promise<Entry>>();

  const keyOf = (hirerId: string, scope: string) => `${hirerId}\n${scope}`;

  const request = (
    key: string,
    hirerId: string,
    asked: Pick<BrowserTokenRequest, 'scope' | 'documents'>,
    forceRefresh: boolean,
  ) => {
    const started = now();
    const pending = options
      .fetchToken({ hirerId, ...asked, forceRefresh })
      .then((grant) => {
        // Counted from when we asked: the token's life started no later than that.
        const entry = {
          accessToken: grant.accessToken,
          usableUntil: started + grant.expiresIn * 1_000 - marginMs,
        };
        // A token with less than the margin left still serves the request that asked for it,
        // but is not kept.
        if (entry.usableUntil > now()) cache.set(key, entry);
        else cache.delete(key);
        return entry;
      })
      .finally(() => {
        if (inFlight.get(key) === pending) inFlight.delete(key);
      });
    inFlight.set(key, pending);
    return pending;
  };

  const fresh = (key: string) => {
    const entry = cache.get(key);
    return entry && entry.usableUntil > now() ? entry : undefined;
  };

  /** A token for the hirer and access: cached, the one already being fetched, or a new one. */
  const get = async (hirerId: string, access: TokenAccess): Promise<string> => {
    const { key: accessKey, asked } = normaliseAccess(access);
    const key = keyOf(hirerId, accessKey);
    const entry = fresh(key) ?? (await (inFlight.get(key) ?? request(key, hirerId, asked, false)));
    return entry.accessToken;
  };

  /**
   * A new token in place of `refused`. Several callers refused the same token share one
   * renewal; one that comes after it gets the renewed token, without asking again.
   */
  const renew = async (hirerId: string, access: TokenAccess, refused: string): Promise<string> => {
    const { key: accessKey, asked } = normaliseAccess(access);
    const key = keyOf(hirerId, accessKey);
    const cached = fresh(key);
    if (cached && cached.accessToken !== refused) return cached.accessToken;
    const pending = inFlight.get(key);
    if (pending) {
      const entry = await pending;
      if (entry.accessToken !== refused) return entry.accessToken;
    }
    if (cache.get(key)?.accessToken === refused) cache.delete(key);
    return (await (inFlight.get(key) ?? request(key, hirerId, asked, true))).accessToken;
  };

  /**
   * Runs `run` with a token; if SEEK refuses the token (UNAUTHENTICATED), renews it once and
   * runs `run` once more, whose result is returned whatever it is.
   */
  const withToken = async <T extends GraphqlResult>(
    hirerId: string,
    access: TokenAccess,
    run: (accessToken: string) => Promise<T>,
  ): Promise<T> => {
    const token = await get(hirerId, access);
    const result = await run(token);
    if (!isUnauthenticated(result)) return result;
    return run(await renew(hirerId, access, token));
  };

  /** Forgets every token (the user signed out), or one hirer's. */
  const clear = (hirerId?: string) => {
    for (const key of [...cache.keys()]) {
      if (hirerId === undefined || key.startsWith(`${hirerId}\n`)) cache.delete(key);
    }
  };

  return { get, renew, withToken, clear };
};

export type BrowserTokens = ReturnType<typeof createBrowserTokens>;

/** The part of fetch() this module uses: pass `fetch` (or `window.fetch.bind(window)`). */
export type FetchLike = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: string },
) => Promise<{ status: number; json(): Promise<unknown> }>;

/** The gateway refused to give a token (its `extensions.code`: FORBIDDEN, RATE_LIMITED, …). */
export class BrowserTokenError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'BrowserTokenError';
  }
}

// One of $scope and $documents is sent; the other stays out of the variables (null to the gateway).
const BROWSER_TOKEN = `mutation BrowserToken($hirerId: String!, $scope: String, $documents: [ID!]) {
  browserToken(hirerId: $hirerId, scope: $scope, documents: $documents) { accessToken expiresIn scope }
}`;
const RENEW_BROWSER_TOKEN = `mutation RenewBrowserToken($hirerId: String!, $scope: String, $documents: [ID!]) {
  browserToken(hirerId: $hirerId, scope: $scope, documents: $documents, forceRefresh: true) {
    accessToken expiresIn scope
  }
}`;

/**
 * A FetchBrowserToken that calls the gateway's browserToken mutation with the signed-in user's
 * app JWT (the gateway takes the user from it, and checks the hirer against it).
 */
export const gatewayTokenFetcher = (options: {
  /** The gateway's GraphQL endpoint. */
  url: string;
  /** The user's app JWT, read at each call (it may be renewed in between). */
  userToken: () => string | Promise<string>;
  fetch?: FetchLike;
}): FetchBrowserToken => {
  const fetchImpl: FetchLike = options.fetch ?? fetch;
  return async ({ hirerId, scope, documents, forceRefresh }) => {
    const response = await fetchImpl(options.url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await options.userToken()}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify({
        query: forceRefresh ? RENEW_BROWSER_TOKEN : BROWSER_TOKEN,
        operationName: forceRefresh ? 'RenewBrowserToken' : 'BrowserToken',
        variables: { hirerId, scope, documents },
      }),
    });
    const body = (await response.json()) as GraphqlResult & {
      data?: { browserToken?: BrowserTokenGrant } | null;
    };
    const grant = body.data?.browserToken;
    if (grant && typeof grant.accessToken === 'string' && typeof grant.expiresIn === 'number')
      return grant;
    const error = body.errors?.[0];
    const code = typeof error?.extensions?.code === 'string' ? error.extensions.code : undefined;
    throw new BrowserTokenError(
      error?.message ?? `The gateway answered HTTP ${response.status} without a token`,
      code,
    );
  };
};
