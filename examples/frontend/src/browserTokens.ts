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
// - A token is cached per hirer and scope (the signed-in user is this page's: call clear() when
//   they sign out) for its `expiresIn` minus a safety margin (60 s by default, as SEEK suggests).
// - Callers asking for the same hirer and scope at once share one request.
// - withToken() runs your request with the token and, when SEEK answers UNAUTHENTICATED (the token
//   expired or was revoked early), asks for a new token once (`forceRefresh: true`, so the gateway
//   does not hand back the one SEEK refused) and runs the request once more. It never loops.

/** What the gateway's browserToken mutation gives (the fields this module needs). */
export interface BrowserTokenGrant {
  accessToken: string;
  /** Seconds the token has left. */
  expiresIn: number;
}

export interface BrowserTokenRequest {
  hirerId: string;
  /** Normalised: unique scopes, sorted, space-separated. */
  scope: string;
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

  const request = (key: string, hirerId: string, scope: string, forceRefresh: boolean) => {
    const started = now();
    const pending = options
      .fetchToken({ hirerId, scope, forceRefresh })
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

  /** A token for the hirer and scope: cached, the one already being fetched, or a new one. */
  const get = async (hirerId: string, scope: string): Promise<string> => {
    const normalised = normaliseScope(scope);
    const key = keyOf(hirerId, normalised);
    const entry =
      fresh(key) ?? (await (inFlight.get(key) ?? request(key, hirerId, normalised, false)));
    return entry.accessToken;
  };

  /**
   * A new token in place of `refused`. Several callers refused the same token share one
   * renewal; one that comes after it gets the renewed token, without asking again.
   */
  const renew = async (hirerId: string, scope: string, refused: string): Promise<string> => {
    const normalised = normaliseScope(scope);
    const key = keyOf(hirerId, normalised);
    const cached = fresh(key);
    if (cached && cached.accessToken !== refused) return cached.accessToken;
    const pending = inFlight.get(key);
    if (pending) {
      const entry = await pending;
      if (entry.accessToken !== refused) return entry.accessToken;
    }
    if (cache.get(key)?.accessToken === refused) cache.delete(key);
    return (await (inFlight.get(key) ?? request(key, hirerId, normalised, true))).accessToken;
  };

  /**
   * Runs `run` with a token; if SEEK refuses the token (UNAUTHENTICATED), renews it once and
   * runs `run` once more, whose result is returned whatever it is.
   */
  const withToken = async <T extends GraphqlResult>(
    hirerId: string,
    scope: string,
    run: (accessToken: string) => Promise<T>,
  ): Promise<T> => {
    const token = await get(hirerId, scope);
    const result = await run(token);
    if (!isUnauthenticated(result)) return result;
    return run(await renew(hirerId, scope, token));
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

const BROWSER_TOKEN = `mutation BrowserToken($hirerId: String!, $scope: String!) {
  browserToken(hirerId: $hirerId, scope: $scope) { accessToken expiresIn }
}`;
const RENEW_BROWSER_TOKEN = `mutation RenewBrowserToken($hirerId: String!, $scope: String!) {
  browserToken(hirerId: $hirerId, scope: $scope, forceRefresh: true) { accessToken expiresIn }
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
  return async ({ hirerId, scope, forceRefresh }) => {
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
        variables: { hirerId, scope },
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
