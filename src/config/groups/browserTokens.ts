import { z } from 'zod';

import { integer, list } from '../fields';

/** The scopes SEEK names in its schema; BROWSER_TOKEN_SCOPES may narrow them further. */
export const SCOPE_PATTERN = /^(query|mutate|download):[a-z][a-z-]*$/;

/** The browserToken mutation: which scopes may be asked for, and how often. */
export const browserTokensGroup = z
  .object({
    BROWSER_TOKEN_SCOPES: list.superRefine((scopes, ctx) => {
      for (const scope of scopes) {
        if (!SCOPE_PATTERN.test(scope)) {
          ctx.addIssue({
            code: 'custom',
            message: `"${scope}" is not a scope like query:ontologies`,
          });
        }
      }
    }),
    BROWSER_TOKEN_RATE_PER_MINUTE: integer(30, 1, 100_000),
  })
  .transform((values) => ({
    /** undefined: every scope SEEK offers. */
    allowedScopes: values.BROWSER_TOKEN_SCOPES.length > 0 ? values.BROWSER_TOKEN_SCOPES : undefined,
    ratePerMinute: values.BROWSER_TOKEN_RATE_PER_MINUTE,
  }));
