import { z } from 'zod';

import {
  evenIfMalformed,
  httpsInProduction,
  integer,
  optionalString,
  optionalUrl,
  reportCombination,
  runtimeEnvironment,
  text,
} from '../fields';

/** End users' app JWTs: all of issuer, audience and one key source, or none of them. */
export const authGroup = z
  .object({
    NODE_ENV: runtimeEnvironment,
    AUTH_JWT_ISSUER: optionalString,
    AUTH_JWT_AUDIENCE: optionalString,
    AUTH_JWT_SECRET: optionalString.refine(
      (value) => value === undefined || Buffer.byteLength(value) >= 32,
      'must be at least 32 bytes for HS256',
    ),
    AUTH_JWKS_URL: optionalUrl,
    AUTH_JWKS_TIMEOUT_MS: integer(1_500, 100, 10_000),
    AUTH_HIRER_CLAIM: text('seek_hirer_ids'),
  })
  .superRefine(
    (values, ctx) => {
      const authParts = [values.AUTH_JWT_ISSUER, values.AUTH_JWT_AUDIENCE].filter(Boolean).length;
      const keySources = [values.AUTH_JWT_SECRET, values.AUTH_JWKS_URL].filter(Boolean).length;
      if (authParts === 1 || (authParts === 2 && keySources === 0)) {
        reportCombination(
          ctx,
          'AUTH_JWT_ISSUER, AUTH_JWT_AUDIENCE and AUTH_JWT_SECRET or AUTH_JWKS_URL: set all of them to accept user JWTs',
        );
      }
      if (keySources === 2) {
        reportCombination(ctx, 'AUTH_JWT_SECRET and AUTH_JWKS_URL: set only one of them');
      }
      if (keySources > 0 && authParts < 2) {
        reportCombination(
          ctx,
          'AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE: required with AUTH_JWT_SECRET or AUTH_JWKS_URL',
        );
      }
    },
    { when: evenIfMalformed },
  )
  .check(httpsInProduction('AUTH_JWKS_URL'))
  .transform((values) => ({
    issuer: values.AUTH_JWT_ISSUER,
    audience: values.AUTH_JWT_AUDIENCE,
    secret: values.AUTH_JWT_SECRET,
    jwksUrl: values.AUTH_JWKS_URL,
    jwksTimeoutMs: values.AUTH_JWKS_TIMEOUT_MS,
    hirerClaim: values.AUTH_HIRER_CLAIM,
  }));
