import { z } from 'zod';

/** What auth.seek.com and graphql.seek.com/auth/token answer with: both token endpoints agree. */
export const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().positive(),
  token_type: z.string().regex(/^bearer$/i),
});

/** A response body as JSON, or undefined when it is not JSON. */
export const parseJson = (body: Buffer): unknown => {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
};
