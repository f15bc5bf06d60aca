import { ErrorCode, GatewayError } from '../errors';
import type { Caller } from './caller';
import type { ServiceKeyMatcher } from './serviceKeys';
import { createUserJwtVerifier, type UserJwtOptions } from './userJwt';

export interface CallerResolverOptions {
  /** The service a bearer is the key of (the keys in force now). */
  serviceKeys: ServiceKeyMatcher;
  /** undefined when the gateway accepts no user JWTs. */
  userJwt: UserJwtOptions | undefined;
}

const ANONYMOUS: Caller = { kind: 'anonymous' };
const BEARER = /^Bearer[ ]+([^\s]+)[ ]*$/i;

/**
 * The one place where the caller kind is decided (see the README's table of callers).
 * Throws UNAUTHENTICATED for a malformed header and for a token that claims our issuer but
 * does not verify: such a token is never passed on to SEEK.
 */
export const createCallerResolver = (options: CallerResolverOptions) => {
  // One caller object per service name: the hot path allocates nothing for a service.
  const services = new Map<string, Caller>();
  const serviceCaller = (name: string) => {
    let caller = services.get(name);
    if (!caller) {
      if (services.size >= 10_000) services.clear();
      caller = { kind: 'service', name };
      services.set(name, caller);
    }
    return caller;
  };
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
    const service = options.serviceKeys(credential);
    if (service !== undefined) return serviceCaller(service);
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
