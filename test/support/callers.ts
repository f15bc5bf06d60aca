import { SignJWT } from 'jose';
import request from 'supertest';

import type { SeekSimulator } from '../../src/seek/simulator';
import { FAKE_LTD, JWT_AUDIENCE, JWT_ISSUER, JWT_SECRET, type TestGateway } from './harness';

/** A clock the test moves by hand: `createGateway` reads time only through it. */
export const manualClock = () => {
  // Start on a minute boundary so the rate limiter's fixed windows line up with the test.
  let now = Math.floor(Date.now() / 60_000) * 60_000;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
};

export const BROWSER_TOKEN_MUTATION = `mutation BrowserToken($hirerId: String!, $scope: String!, $userId: String) {
  browserToken(hirerId: $hirerId, scope: $scope, userId: $userId) {
    accessToken tokenType expiresIn expiresAt hirerId scope
  }
}`;

export interface BrowserTokenVariables {
  hirerId: string;
  scope: string;
  userId?: string;
}

/** POSTs the browserToken mutation with the given Authorization header (none when undefined). */
export const askBrowserToken = (
  gw: TestGateway,
  authorization: string | undefined,
  variables: BrowserTokenVariables,
) => {
  const call = request(gw.gateway.app).post('/graphql');
  if (authorization !== undefined) call.set('authorization', authorization);
  return call.send({ query: BROWSER_TOKEN_MUTATION, variables });
};

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsigned (`alg: none`) JWT that claims our issuer and audience: it must never verify. */
export const algNoneJwt = (hirerIds: string[] = [FAKE_LTD]) =>
  `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({
    iss: JWT_ISSUER,
    aud: JWT_AUDIENCE,
    sub: 'user-none',
    iat: Math.floor(Date.now() / 1_000),
    exp: Math.floor(Date.now() / 1_000) + 3_600,
    seek_hirer_ids: hirerIds,
  })}.`;

/** A well-signed user JWT that expired a minute ago (beyond the verifier's 5 s tolerance). */
export const expiredJwt = (hirerIds: string[] = [FAKE_LTD]) => {
  const now = Math.floor(Date.now() / 1_000);
  return new SignJWT({ seek_hirer_ids: hirerIds })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(JWT_ISSUER)
    .setAudience(JWT_AUDIENCE)
    .setSubject('user-expired')
    .setIssuedAt(now - 3_600)
    .setExpirationTime(now - 60)
    .sign(new TextEncoder().encode(JWT_SECRET));
};

/** Everything the simulator recorded (headers and bodies of every route), as one string. */
export const everythingSeekSaw = (simulator: SeekSimulator) =>
  JSON.stringify(simulator.requests.map(({ headers, body, path }) => ({ headers, body, path })));

export const browserTokenRequests = (simulator: SeekSimulator) =>
  simulator.requests.filter((recorded) => recorded.route === 'browserToken');

/** The gateway's one-line-per-request log entries. */
export const requestLogLines = (gw: TestGateway) =>
  gw.logs.lines
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.msg === 'graphql request');

/**
 * A SEEK browser token straight from the simulator, as SEEK issues them: a partner token by
 * client credentials, then the exchange for one hirer and scope.
 */
export const browserTokenFromSimulator = async (
  simulator: SeekSimulator,
  options: { hirerId: string; scope: string; userId: string },
): Promise<string> => {
  const partner = (await (
    await fetch(simulator.authUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: simulator.clientId,
        client_secret: simulator.clientSecret,
        audience: simulator.audience,
      }),
    })
  ).json()) as { access_token: string };
  const browser = (await (
    await fetch(simulator.browserTokenUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${partner.access_token}`,
      },
      body: JSON.stringify(options),
    })
  ).json()) as { access_token: string };
  return browser.access_token;
};
