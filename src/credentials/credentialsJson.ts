import { z } from 'zod';

import { CredentialsError, type SeekCredentials } from './types';

/** The one shape every JSON-holding source stores: what SEEK's credentials ZIP holds, as JSON. */
export const CREDENTIALS_JSON_SHAPE = '{"client_id": "…", "client_secret": "…"}';

const field = z.string().trim().min(1);

/** Unknown keys are ignored, so a secret may carry notes (e.g. "environment": "playground"). */
const credentialsJsonSchema = z.object({ client_id: field, client_secret: field });

const MAX_BYTES = 64 * 1024;

/** A zod issue as a sentence naming the field, never holding the value. */
const describeIssue = (issue: z.core.$ZodIssue, object: Record<string, unknown>): string => {
  const key = String(issue.path[0] ?? '');
  const name = `"${key}"`;
  if (issue.code === 'invalid_type') {
    return object[key] === undefined || object[key] === null
      ? `${name} is missing`
      : `${name} must be a string`;
  }
  if (issue.code === 'too_small') return `${name} is empty`;
  return `${name} is not valid`;
};

/**
 * Parses `{"client_id": "…", "client_secret": "…"}` as read from `where` (a file, a secret).
 * Every problem is a CredentialsError naming `where` and the field; the text itself, and the
 * parser's own message (which quotes the text), never appear in it.
 */
export const parseCredentialsJson = (text: string, where: string): SeekCredentials => {
  if (Buffer.byteLength(text) > MAX_BYTES) {
    throw new CredentialsError(
      `${where}: larger than ${MAX_BYTES} bytes; expected ${CREDENTIALS_JSON_SHAPE}`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CredentialsError(`${where}: not JSON; expected ${CREDENTIALS_JSON_SHAPE}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CredentialsError(`${where}: not a JSON object; expected ${CREDENTIALS_JSON_SHAPE}`);
  }
  const parsed = credentialsJsonSchema.safeParse(value);
  if (!parsed.success) {
    const object = value as Record<string, unknown>;
    const problems = parsed.error.issues.map((issue) => describeIssue(issue, object)).join(', ');
    throw new CredentialsError(`${where}: ${problems}; expected ${CREDENTIALS_JSON_SHAPE}`);
  }
  return { clientId: parsed.data.client_id, clientSecret: parsed.data.client_secret };
};
