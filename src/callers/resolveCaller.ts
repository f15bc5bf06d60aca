import { ErrorCode, GatewayError } from '../errors';
import type { Caller } from './caller';
import { createServiceKeyMatcher } from './serviceKeys';
import { createUserJwtVerifier, type UserJwtOptions } from './userJwt';

export interface CallerResolverOptions {
  serviceKeys: readonly string[];
  /** undefined when the gateway accepts no user JWTs. */
  userJwt: UserJwtOptions | undefined;
}

const ANONYMOUS: Caller = { kind: 'anonymous' };
const SERVICE: Caller = { kind: 'service' };
const BEARER = /^Bearer[ ]+([^\s]+)[ ]*$/i;

/**
 * The one place where the caller kind is decided (see the README's table of callers).
 * Throws UNAUTHENTICATED for a malformed header and for a token that claims our issuer but
 * does not verify: such a token is never passed on to SEEK.
 */
export const createCallerResolver = (options: CallerResolverOptions) => {
  const isServiceKey = createServiceKeyMatcher(options.serviceKeys);
  const userJwt = options.userJwt ? createUserJwtVerifier(options.userJwt) : undefined;

  /** Decides without I/O when it can (everything but a user JWT), so the hot path stays sync. */
  const resolveSync = (authorization: string | undefined): Caller | { verify: string } => {
    if (authorization === undefined || authorization === '') return ANONYMOUS;
    const match = BEARER.exec(authorization);
    if (!match?.[1]) {
      throw new GatewayError(
        ErrorCode.Unauthenticated,
        'The Authorization header must be "Bearer <credential>"',
      );
    }
    const credential = match[1];
    if (isServiceKey(credential)) return SERVICE;
    if (userJwt?.claimsOurIssuer(credential)) return { verify: credential };
    return { kind: 'seek-token', accessToken: credential };
  };

  /** The user behind a token resolveSync set aside as claiming our issuer. */
  const verifyUser = async (token: string): Promise<Caller> => {
    const user = await (userJwt as NonNullable<typeof userJwt>).verify(token);
    return { kind: 'user', userId: user.userId, hirerIds: user.hirerIds };
  };

  return {
    resolveSync,
    verifyUser,
    async resolve(authorization: string | undefined): Promise<Caller> {
      const decided = resolveSync(authorization);
      return 'verify' in decided ? verifyUser(decided.verify) : decided;
    },
  };
};

export type CallerResolver = ReturnType<typeof createCallerResolver>;
