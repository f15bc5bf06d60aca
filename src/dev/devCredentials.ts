import { randomBytes } from 'node:crypto';

import { SignJWT } from 'jose';

/** Issuer and audience of the development user JWTs the embedded default accepts. */
export const DEV_JWT_ISSUER = 'https://seek-gateway.dev/';
export const DEV_JWT_AUDIENCE = 'seek-gateway';

/** A random key for the embedded default, printed at start-up (never used in production). */
export const randomServiceKey = () => `dev-${randomBytes(18).toString('base64url')}`;
export const randomJwtSecret = () => randomBytes(32).toString('base64url');

/** Mints an HS256 user JWT like the one an app's login would issue. */
export const mintUserJwt = async (options: {
  secret: string;
  issuer: string;
  audience: string;
  userId: string;
  hirerIds: string[];
  hirerClaim: string;
  expiresIn?: string;
}) =>
  new SignJWT({ [options.hirerClaim]: options.hirerIds })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setSubject(options.userId)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '12h')
    .sign(new TextEncoder().encode(options.secret));
