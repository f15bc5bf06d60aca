import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import { z } from 'zod';

import { ErrorCode, GatewayError } from '../errors';
import type { Tracing } from '../observability/tracing';
import { tracedNodeAgent } from '../observability/tracing/libraries';
import { createNodeProxyAgent, type ProxySettings } from '../outbound/proxy';
import { createVerifiedUsers } from './verifiedUsers';

export interface UserJwtOptions {
  issuer: string;
  audience: string;
  /** HS256 shared secret, or … */
  secret: string | undefined;
  /** … a JWKS URL for RS256/ES256 keys. */
  jwksUrl: string | undefined;
  jwksTimeoutMs: number;
  /** Claim listing the SEEK hirer IDs the user belongs to. @default seek_hirer_ids */
  hirerClaim: string;
  /** The outbound proxy the JWKS fetch goes through (HTTPS_PROXY, NO_PROXY…), if any. */
  proxy?: ProxySettings;
  /** Told of each accepted token: found among the verified ones, or verified now. */
  onAccepted?: (how: 'cached' | 'verified') => void;
  /** With tracing on, each JWKS fetch is a client span whose traceparent the JWKS host gets. */
  tracing?: Tracing;
}

export interface VerifiedUser {
  userId: string;
  hirerIds: string[];
}

const subjectSchema = z.string().min(1).max(255);
const hirerListSchema = z.union([
  z.array(z.string().min(1).max(255)),
  z.string().transform((value) => value.split(/[\s,]+/).filter(Boolean)),
]);

/** Clock skew tolerated between the app that signs user JWTs and this gateway. */
const CLOCK_TOLERANCE_SECONDS = 5;

export const createUserJwtVerifier = (options: UserJwtOptions) => {
  // Loaded only when user JWTs are configured: a service-only gateway starts faster without it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createRemoteJWKSet, jwtVerify } = require('jose') as typeof import('jose');
  const remoteKeys = (url: URL) => {
    // jose 5 fetches with node:http(s).get: behind a proxy, an agent that tunnels; with tracing
    // on, one that gives each fetch its span and traceparent (jose's `headers` are fixed ones).
    const agent = createNodeProxyAgent(options.proxy);
    return createRemoteJWKSet(url, {
      timeoutDuration: options.jwksTimeoutMs,
      cooldownDuration: 30_000,
      agent: options.tracing
        ? tracedNodeAgent(options.tracing, { name: 'JWKS fetch', url, agent })
        : agent,
    });
  };
  const key: Uint8Array | JWTVerifyGetKey = options.secret
    ? new TextEncoder().encode(options.secret)
    : remoteKeys(new URL(options.jwksUrl as string));
  const ourIssuer = looseIssuer(options.issuer);
  // The allowlist is what stops `alg: none` and algorithm-swapping tokens.
  const algorithms = options.secret ? ['HS256'] : ['RS256', 'ES256'];
  const verifiedUsers = createVerifiedUsers();

  return {
    /**
     * True when the token, unverified, looks like a JWT that claims our issuer: its second
     * dot-separated segment decodes to a JSON object whose `iss` is ours, compared without
     * case and trailing slashes, whatever else is wrong with the token (a trailing `.`, an extra
     * segment, a bad signature). Such a token must never reach SEEK; verification then accepts
     * only the exact issuer and audience.
     */
    claimsOurIssuer(token: string): boolean {
      const payload = token.split('.', 3)[1];
      if (!payload) return false;
      try {
        const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
        const iss = (claims as { iss?: unknown } | null)?.iss;
        return typeof iss === 'string' && looseIssuer(iss) === ourIssuer;
      } catch {
        return false;
      }
    },
    async verify(token: string): Promise<VerifiedUser> {
      const known = verifiedUsers.get(token);
      if (known) {
        options.onAccepted?.('cached');
        return known;
      }
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, key as JWTVerifyGetKey, {
          issuer: options.issuer,
          audience: options.audience,
          algorithms,
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          requiredClaims: ['exp', 'sub'],
        }));
      } catch (error) {
        const code = (error as { code?: string }).code;
        const reason =
          code === 'ERR_JWT_EXPIRED'
            ? 'it has expired'
            : code === 'ERR_JWKS_TIMEOUT'
              ? 'its signing keys could not be fetched in time'
              : 'it failed verification';
        throw new GatewayError(ErrorCode.Unauthenticated, `The user token was refused: ${reason}`);
      }
      const userId = subjectSchema.safeParse(payload.sub);
      if (!userId.success)
        throw new GatewayError(
          ErrorCode.Unauthenticated,
          'The user token has no usable `sub` claim',
        );
      const hirers = hirerListSchema.safeParse(payload[options.hirerClaim] ?? []);
      const user = { userId: userId.data, hirerIds: hirers.success ? hirers.data : [] };
      verifiedUsers.remember(token, user, payload.exp);
      options.onAccepted?.('verified');
      return user;
    },
  };
};

/** An issuer as compared for "claims to be ours": no case, no trailing slashes, no spaces. */
const looseIssuer = (value: string) => value.trim().replace(/\/+$/, '').toLowerCase();
