// A JWKS host on loopback: one RS256 key, served as a key set at /.well-known/jwks.json, and user
// JWTs signed with it. Records each fetch's `traceparent`, to match the gateway's client span.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { exportJWK, generateKeyPair, SignJWT } from 'jose';

import { FAKE_LTD, JWT_AUDIENCE, JWT_ISSUER } from './harness';

export interface JwksHost {
  /** For AUTH_JWKS_URL. */
  url: string;
  /** host:port */
  host: string;
  /** Key-set fetches answered. */
  requests: () => number;
  /** The `traceparent` of each fetch, in order (undefined when it carried none). */
  traceparents: Array<string | undefined>;
  /** A user JWT (subject user-317665, hirer FAKE_LTD) signed by the key the set lists. */
  mint(): Promise<string>;
  close(): Promise<void>;
}

export const startJwksHost = async (): Promise<JwksHost> => {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const traceparents: Array<string | undefined> = [];
  const server = createServer((req, res) => {
    traceparents.push(String(req.headers.traceparent ?? '') || undefined);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `http://${host}/.well-known/jwks.json`,
    host,
    requests: () => traceparents.length,
    traceparents,
    mint: () =>
      new SignJWT({ seek_hirer_ids: [FAKE_LTD] })
        .setProtectedHeader({ alg: 'RS256', kid })
        .setIssuer(JWT_ISSUER)
        .setAudience(JWT_AUDIENCE)
        .setSubject('user-317665')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
