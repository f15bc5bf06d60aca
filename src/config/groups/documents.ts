import { z } from 'zod';

import { evenIfMalformed, integer, list, optionalString, reportCombination } from '../fields';

/** The caller kinds PERSISTED_DOCUMENTS_REQUIRED names (`browser`: a SEEK browser token). */
export const SAFELISTED_CALLER_KINDS = ['service', 'user', 'browser'] as const;
export type SafelistedCallerKind = (typeof SAFELISTED_CALLER_KINDS)[number];

const isSafelistedKind = (value: string): value is SafelistedCallerKind =>
  (SAFELISTED_CALLER_KINDS as readonly string[]).includes(value);

/**
 * Trusted (persisted) documents and automatic persisted queries: the manifest, which callers
 * may send only its documents, and how APQ registrations are kept in Redis.
 */
export const documentsGroup = z
  .object({
    PERSISTED_DOCUMENTS_FILE: optionalString,
    PERSISTED_DOCUMENTS_REQUIRED: list.superRefine((kinds, ctx) => {
      for (const kind of kinds) {
        if (!isSafelistedKind(kind)) {
          ctx.addIssue({
            code: 'custom',
            message: `"${kind}" is not a caller kind: use ${SAFELISTED_CALLER_KINDS.join(', ')}`,
          });
        }
      }
    }),
    APQ_TTL_SECONDS: integer(86_400, 60, 30 * 86_400),
    APQ_MAX_ENTRIES: integer(5_000, 0, 1_000_000),
    APQ_MAX_DOCUMENT_CHARS: integer(8_192, 256, 1_048_576),
  })
  .superRefine(
    (values, ctx) => {
      if (values.PERSISTED_DOCUMENTS_REQUIRED.length > 0 && !values.PERSISTED_DOCUMENTS_FILE) {
        reportCombination(
          ctx,
          'needs PERSISTED_DOCUMENTS_FILE: callers required to send document ids need a manifest to name them',
          'PERSISTED_DOCUMENTS_REQUIRED',
        );
      }
    },
    { when: evenIfMalformed },
  )
  .transform((values) => ({
    /** The manifest of trusted documents; undefined: none (APQ only). */
    file: values.PERSISTED_DOCUMENTS_FILE,
    /** Caller kinds that may run manifest documents only. */
    required: new Set(values.PERSISTED_DOCUMENTS_REQUIRED.filter(isSafelistedKind)),
    apq: {
      ttlSeconds: values.APQ_TTL_SECONDS,
      /** Registrations kept in Redis per TTL window, across all replicas (0: memory only). */
      maxEntries: values.APQ_MAX_ENTRIES,
      /** Documents longer than this are not kept in Redis (they still run). */
      maxDocumentChars: values.APQ_MAX_DOCUMENT_CHARS,
    },
  }));
