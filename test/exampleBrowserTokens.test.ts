// The example frontend's token module (examples/frontend/src/browserTokens.ts), the one an
// integrator copies: cache per hirer and scope, safety margin, one request per key at a time,
// renewal once on UNAUTHENTICATED. No gateway here: fetchToken is a stand-in that counts calls.
import {
  BrowserTokenError,
  createBrowserTokens,
  gatewayTokenFetcher,
  isUnauthenticated,
  normaliseScope,
  type BrowserTokenGrant,
  type BrowserTokenRequest,
  type FetchLike,
  type GraphqlResult,
} from '../examples/frontend/src/browserTokens';

const FAKE_LTD = 'seekAnzPublicTest:organization:seek:93WyyF1h';
const ACME = 'seekAnzPublicTest:organization:seek:7cDYcGGd';
const SCOPE = 'query:organizations query:ontologies';

const REFUSED: GraphqlResult = {
  data: null,
  errors: [{ message: 'Access token is expired', extensions: { code: 'UNAUTHENTICATED' } }],
};
const OK: GraphqlResult = { data: { self: { hirer: { name: 'Fake Ltd' } } } };

/** A controllable clock and a fetchToken that records its calls and hands out numbered tokens. */
const setup = (options: { expiresIn?: number; marginSeconds?: number } = {}) => {
  let now = 1_000_000;
  const calls: BrowserTokenRequest[] = [];
  const pending: { resolve: (grant: BrowserTokenGrant) => void; reject: (e: Error) => void }[] = [];
  let manual = false;
  const fetchToken = (request: BrowserTokenRequest) => {
    calls.push(request);
    const grant = { accessToken: `token-${calls.length}`, expiresIn: options.expiresIn ?? 3_600 };
    if (!manual) return Promise.resolve(grant);
    return new Promise<BrowserTokenGrant>((resolve, reject) => pending.push({ resolve, reject }));
  };
  const tokens = createBrowserTokens({
    fetchToken,
    marginSeconds: options.marginSeconds,
    now: () => now,
  });
  return {
    tokens,
    calls,
    pending,
    /** From now on, fetchToken answers only when the test resolves it. */
    holdAnswers: () => {
      manual = true;
    },
    advanceSeconds: (seconds: number) => {
      now += seconds * 1_000;
    },
  };
};

describe('example frontend: browser token cache', () => {
  it('asks once per hirer and scope, and serves the cached token after', async () => {
    const { tokens, calls } = setup();
    expect(await tokens.get(FAKE_LTD, SCOPE)).toBe('token-1');
    expect(await tokens.get(FAKE_LTD, SCOPE)).toBe('token-1');
    expect(calls).toEqual([
      { hirerId: FAKE_LTD, scope: normaliseScope(SCOPE), forceRefresh: false },
    ]);
  });

  it('asks by documents: one entry per hirer and set of ids, apart from any scope', async () => {
    const { tokens, calls } = setup();
    expect(await tokens.get(FAKE_LTD, { documents: ['b', 'a', 'b'] })).toBe('token-1');
    expect(await tokens.get(FAKE_LTD, { documents: ['a', 'b'] })).toBe('token-1');
    expect(await tokens.get(FAKE_LTD, { documents: ['a'] })).toBe('token-2');
    expect(await tokens.get(FAKE_LTD, SCOPE)).toBe('token-3');
    expect(
      await tokens.withToken(FAKE_LTD, { documents: ['a', 'b'] }, async () => REFUSED),
    ).toEqual(REFUSED);
    expect(calls).toEqual([
      { hirerId: FAKE_LTD, documents: ['a', 'b'], forceRefresh: false },
      { hirerId: FAKE_LTD, documents: ['a'], forceRefresh: false },
      { hirerId: FAKE_LTD, scope: normaliseScope(SCOPE), forceRefresh: false },
      { hirerId: FAKE_LTD, documents: ['a', 'b'], forceRefresh: true },
    ]);
  });

  it('keys the cache by hirer and by normalised scope', async () => {
    const { tokens, calls } = setup();
    await tokens.get(FAKE_LTD, SCOPE);
    // The same scopes in another order, repeated: the same entry.
    expect(
      await tokens.get(FAKE_LTD, 'query:ontologies  query:organizations query:ontologies'),
    ).toBe('token-1');
    expect(await tokens.get(ACME, SCOPE)).toBe('token-2');
    expect(await tokens.get(FAKE_LTD, 'query:ontologies')).toBe('token-3');
    expect(calls.map((call) => [call.hirerId, call.scope])).toEqual([
      [FAKE_LTD, 'query:ontologies query:organizations'],
      [ACME, 'query:ontologies query:organizations'],
      [FAKE_LTD, 'query:ontologies'],
    ]);
  });

  it('keeps a token for expiresIn minus the 60-second margin', async () => {
    const { tokens, calls, advanceSeconds } = setup({ expiresIn: 600 });
    await tokens.get(FAKE_LTD, SCOPE);
    advanceSeconds(539);
    expect(await tokens.get(FAKE_LTD, SCOPE)).toBe('token-1');
    advanceSeconds(1); // 540 s: 60 s before expiry
    expect(await tokens.get(FAKE_LTD, SCOPE)).toBe('token-2');
    expect(calls).toHaveLength(2);
  });

  it('takes another margin', async () => {
    const { tokens, calls, advanceSeconds } = setup({ expiresIn: 600, marginSeconds: 300 });
    await tokens.get(FAKE_LTD, SCOPE);
    advanceSeconds(299);
    await tokens.get(FAKE_LTD, SCOPE);
    advanceSeconds(1);
    await tokens.get(FAKE_LTD, SCOPE);
    expect(calls).toHaveLength(2);
  });

  it('uses a token with less than the margin left once, without keeping it', async () => {
    const { tokens, calls } = setup({ expiresIn: 30 });
    expect(await tokens.get(FAKE_LTD, SCOPE)).toBe('token-1');
    expect(await tokens.get(FAKE_LTD, SCOPE)).toBe('token-2');
    expect(calls).toHaveLength(2);
  });

  it('shares one request between callers asking for the same hirer and scope at once', async () => {
    const { tokens, calls, pending, holdAnswers } = setup();
    holdAnswers();
    const asked = [
      tokens.get(FAKE_LTD, SCOPE),
      tokens.get(FAKE_LTD, 'query:ontologies query:organizations'),
      tokens.get(FAKE_LTD, SCOPE),
      tokens.get(ACME, SCOPE),
    ];
    expect(calls).toHaveLength(2);
    pending.forEach((request, index) =>
      request.resolve({ accessToken: `held-${index}`, expiresIn: 3_600 }),
    );
    expect(await Promise.all(asked)).toEqual(['held-0', 'held-0', 'held-0', 'held-1']);
  });

  it('keeps no failure: the next caller asks again', async () => {
    const { tokens, calls, pending, holdAnswers } = setup();
    holdAnswers();
    const first = tokens.get(FAKE_LTD, SCOPE);
    const second = tokens.get(FAKE_LTD, SCOPE);
    pending[0]?.reject(new BrowserTokenError('Too many browser token requests', 'RATE_LIMITED'));
    await expect(first).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await expect(second).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    const third = tokens.get(FAKE_LTD, SCOPE);
    expect(calls).toHaveLength(2);
    pending[1]?.resolve({ accessToken: 'after', expiresIn: 3_600 });
    expect(await third).toBe('after');
  });

  it('forgets every token, or one hirer’s, on clear()', async () => {
    const { tokens, calls } = setup();
    await tokens.get(FAKE_LTD, SCOPE);
    await tokens.get(ACME, SCOPE);
    tokens.clear(ACME);
    await tokens.get(FAKE_LTD, SCOPE);
    await tokens.get(ACME, SCOPE);
    expect(calls).toHaveLength(3);
    tokens.clear();
    await tokens.get(FAKE_LTD, SCOPE);
    expect(calls).toHaveLength(4);
  });
});

describe('example frontend: renewal on UNAUTHENTICATED', () => {
  it('renews once with forceRefresh and runs the request again with the new token', async () => {
    const { tokens, calls } = setup();
    const ran: string[] = [];
    const result = await tokens.withToken(FAKE_LTD, SCOPE, async (token) => {
      ran.push(token);
      return ran.length === 1 ? REFUSED : OK;
    });
    expect(result).toBe(OK);
    expect(ran).toEqual(['token-1', 'token-2']);
    expect(calls.map((call) => call.forceRefresh)).toEqual([false, true]);
    // The renewed token is the cached one now.
    expect(await tokens.get(FAKE_LTD, SCOPE)).toBe('token-2');
    expect(calls).toHaveLength(2);
  });

  it('renews only once: a second refusal is the answer', async () => {
    const { tokens, calls } = setup();
    let runs = 0;
    const result = await tokens.withToken(FAKE_LTD, SCOPE, async () => {
      runs += 1;
      return REFUSED;
    });
    expect(result).toBe(REFUSED);
    expect(runs).toBe(2);
    expect(calls.map((call) => call.forceRefresh)).toEqual([false, true]);
  });

  it('does not renew for other errors, or for UNAUTHENTICATED next to data', async () => {
    const { tokens, calls } = setup();
    const forbidden: GraphqlResult = {
      data: null,
      errors: [{ message: 'no', extensions: { code: 'FORBIDDEN' } }],
    };
    const partial: GraphqlResult = {
      data: { self: null },
      errors: [{ message: 'field', extensions: { code: 'UNAUTHENTICATED' } }],
    };
    expect(await tokens.withToken(FAKE_LTD, SCOPE, async () => forbidden)).toBe(forbidden);
    expect(await tokens.withToken(FAKE_LTD, SCOPE, async () => partial)).toBe(partial);
    expect(calls).toHaveLength(1);
  });

  it('shares one renewal between requests refused with the same token', async () => {
    const { tokens, calls, pending, holdAnswers } = setup();
    await tokens.get(FAKE_LTD, SCOPE);
    holdAnswers();
    const ran: string[] = [];
    const run = async (token: string) => {
      ran.push(token);
      return token === 'token-1' ? REFUSED : OK;
    };
    const both = Promise.all([
      tokens.withToken(FAKE_LTD, SCOPE, run),
      tokens.withToken(FAKE_LTD, SCOPE, run),
    ]);
    // Both were refused and asked for a renewal; only one went out.
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls.map((call) => call.forceRefresh)).toEqual([false, true]);
    pending[0]?.resolve({ accessToken: 'renewed', expiresIn: 3_600 });
    expect(await both).toEqual([OK, OK]);
    expect(ran.sort()).toEqual(['renewed', 'renewed', 'token-1', 'token-1']);
  });

  it('does not ask again for a token refused after it was already renewed', async () => {
    const { tokens, calls } = setup();
    const refused = await tokens.get(FAKE_LTD, SCOPE);
    expect(await tokens.renew(FAKE_LTD, SCOPE, refused)).toBe('token-2');
    // A slower request refused with the old token comes back after the renewal.
    expect(await tokens.renew(FAKE_LTD, SCOPE, refused)).toBe('token-2');
    expect(calls.map((call) => call.forceRefresh)).toEqual([false, true]);
  });

  it('tells a whole-request UNAUTHENTICATED from the rest', () => {
    expect(isUnauthenticated(REFUSED)).toBe(true);
    expect(isUnauthenticated({ errors: REFUSED.errors })).toBe(true);
    expect(isUnauthenticated(OK)).toBe(false);
    expect(isUnauthenticated({ data: null, errors: [{ extensions: { code: 'FORBIDDEN' } }] })).toBe(
      false,
    );
  });
});

describe('example frontend: the gateway call', () => {
  const recordingFetch = (body: unknown, status = 200) => {
    const requests: { url: string; headers: Record<string, string>; body: unknown }[] = [];
    const fetchImpl: FetchLike = async (url, init) => {
      requests.push({ url, headers: init.headers, body: JSON.parse(init.body) as unknown });
      return { status, json: async () => body };
    };
    return { requests, fetchImpl };
  };

  it('sends the browserToken mutation with the user JWT, forceRefresh only to renew', async () => {
    const { requests, fetchImpl } = recordingFetch({
      data: { browserToken: { accessToken: 'seek-token', expiresIn: 3_600 } },
    });
    const fetchToken = gatewayTokenFetcher({
      url: 'http://gateway.test/graphql',
      userToken: () => 'user-jwt',
      fetch: fetchImpl,
    });
    const request = { hirerId: FAKE_LTD, scope: 'query:ontologies' };
    expect(await fetchToken({ ...request, forceRefresh: false })).toEqual({
      accessToken: 'seek-token',
      expiresIn: 3_600,
    });
    await fetchToken({ ...request, forceRefresh: true });
    expect(requests.map(({ url, headers }) => [url, headers.authorization])).toEqual([
      ['http://gateway.test/graphql', 'Bearer user-jwt'],
      ['http://gateway.test/graphql', 'Bearer user-jwt'],
    ]);
    const [plain, renewal] = requests.map(
      (sent) => sent.body as { query: string; operationName: string; variables: unknown },
    );
    expect(plain?.operationName).toBe('BrowserToken');
    expect(plain?.query).not.toContain('forceRefresh');
    expect(renewal?.operationName).toBe('RenewBrowserToken');
    expect(renewal?.query).toContain('forceRefresh: true');
    expect(renewal?.variables).toEqual({ hirerId: FAKE_LTD, scope: 'query:ontologies' });

    // By documents: the ids in place of the scope.
    await fetchToken({ hirerId: FAKE_LTD, documents: ['id-1', 'id-2'], forceRefresh: false });
    expect((requests[2]?.body as { variables: unknown }).variables).toEqual({
      hirerId: FAKE_LTD,
      documents: ['id-1', 'id-2'],
    });
  });

  it("throws the gateway's error with its code", async () => {
    const { fetchImpl } = recordingFetch(
      {
        data: null,
        errors: [
          {
            message: 'Your user token does not list this hirer',
            extensions: { code: 'FORBIDDEN' },
          },
        ],
      },
      403,
    );
    const fetchToken = gatewayTokenFetcher({
      url: 'http://gateway.test/graphql',
      userToken: () => 'jwt',
      fetch: fetchImpl,
    });
    await expect(
      fetchToken({ hirerId: ACME, scope: 'query:ontologies', forceRefresh: false }),
    ).rejects.toEqual(
      new BrowserTokenError('Your user token does not list this hirer', 'FORBIDDEN'),
    );
  });
});
