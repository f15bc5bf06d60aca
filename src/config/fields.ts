import { z } from 'zod';

/*
 * Building blocks for the group schemas: each reads one environment variable (a string or
 * unset) and yields its typed value. Empty or blank values count as unset.
 */

export const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

/** A string with a default when unset. */
export const text = (fallback: string) => optionalString.transform((value) => value ?? fallback);

const httpUrl = z.url({ protocol: /^https?$/ });

/** An http(s) URL, this default when unset. */
export const url = (fallback: string) =>
  optionalString.transform((value) => value ?? fallback).pipe(httpUrl);

/** An http(s) URL, or undefined when unset. */
export const optionalUrl = optionalString.pipe(httpUrl.optional());

export const integer = (fallback: number, min: number, max: number) =>
  optionalString
    .transform((value) => (value === undefined ? fallback : Number(value)))
    .pipe(z.number().int().min(min).max(max));

/** An integer with no default: undefined when unset. */
export const optionalInteger = (min: number, max: number) =>
  optionalString
    .transform((value) => (value === undefined ? undefined : Number(value)))
    .pipe(z.number().int().min(min).max(max).optional());

/** `true`/`false`, or undefined when unset (the group picks the default). */
export const flag = optionalString.pipe(z.enum(['true', 'false']).optional());

/** Items separated by commas or whitespace; [] when unset. */
export const list = optionalString.transform((value) =>
  value === undefined
    ? []
    : value
        .split(/[\s,]+/)
        .map((item) => item.trim())
        .filter(Boolean),
);

/** NODE_ENV: `production` and `test` are recognised; anything else is development. */
export const runtimeEnvironment = optionalString
  .transform((value) => (value === 'production' || value === 'test' ? value : 'development'))
  .pipe(z.enum(['production', 'development', 'test']));
export type RuntimeEnvironment = z.output<typeof runtimeEnvironment>;

/**
 * Reports a rule between several values (a combination, rather than one malformed value).
 * `variable` names the variable the message is about; without it, the message names them.
 * loadConfig lists these after the malformed values.
 */
export const reportCombination = (
  ctx: z.RefinementCtx,
  message: string,
  variable?: string,
): void => {
  ctx.addIssue({
    code: 'custom',
    message,
    path: variable === undefined ? [] : [variable],
    params: { combination: true },
  });
};

export const isCombination = (issue: z.core.$ZodIssue): boolean =>
  issue.code === 'custom' && issue.params?.combination === true;

/**
 * `when` for a rule that reads these variables' values: it runs once they are well formed,
 * whatever else in the group failed, so its problem is listed with the malformed ones.
 */
export const wellFormed =
  (...variables: string[]) =>
  (payload: z.core.ParsePayload): boolean =>
    !payload.issues.some((issue) => variables.includes(String(issue.path?.[0])));

/**
 * `when` for a rule that looks only at which variables are set (strings or lists, present
 * even when malformed): it always runs.
 */
export const evenIfMalformed = (): boolean => true;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const isHttpsOrLoopback = (value: string): boolean => {
  const parsed = new URL(value);
  return parsed.protocol === 'https:' || LOOPBACK_HOSTS.has(parsed.hostname);
};

/**
 * Secrets travel over this URL: TLS in production, except to a loopback address (a local
 * proxy or test double). For a group that reads NODE_ENV and the URL variable.
 */
export const httpsInProduction = <Name extends string>(variable: Name) =>
  z.superRefine<{ NODE_ENV: RuntimeEnvironment } & { [key in Name]?: string | undefined }>(
    (values, ctx) => {
      const value = values[variable];
      if (values.NODE_ENV === 'production' && value && !isHttpsOrLoopback(value)) {
        reportCombination(ctx, 'must use https in production', variable);
      }
    },
    { when: wellFormed(variable) },
  );
