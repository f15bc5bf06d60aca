import { z } from 'zod';

import { optionalString, reportCombination, text, wellFormed } from '../fields';

/** The samplers OpenTelemetry's SDK knows by name (OTEL_TRACES_SAMPLER), as the spec lists them. */
export const TRACES_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type TracesSamplerName = (typeof TRACES_SAMPLERS)[number];

const otlpUrl = optionalString.pipe(
  z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL like http://collector:4318' })
    .optional(),
);

/** `true` in any case disables the SDK, as the spec says; anything else leaves it on. */
const sdkDisabled = optionalString.transform((value) => value?.toLowerCase() === 'true');

/**
 * Tracing, by OpenTelemetry's standard variables only. No endpoint (or OTEL_SDK_DISABLED=true):
 * `traces` is undefined and the SDK is never loaded. OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used
 * as it is; OTEL_EXPORTER_OTLP_ENDPOINT gets `/v1/traces` appended, as the OTLP/HTTP exporter
 * does. The sampler is read here (not by the SDK) so a bad value stops the start, named.
 */
export const tracingGroup = z
  .object({
    OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlpUrl,
    OTEL_SERVICE_NAME: text('seek-gateway'),
    OTEL_TRACES_SAMPLER: text('parentbased_always_on').pipe(z.enum(TRACES_SAMPLERS)),
    OTEL_TRACES_SAMPLER_ARG: optionalString
      .transform((value) => (value === undefined ? undefined : Number(value)))
      .pipe(z.number({ error: 'must be a number from 0 to 1' }).min(0).max(1).optional()),
    OTEL_SDK_DISABLED: sdkDisabled,
  })
  .superRefine(
    (values, ctx) => {
      if (
        values.OTEL_TRACES_SAMPLER_ARG !== undefined &&
        !values.OTEL_TRACES_SAMPLER.endsWith('traceidratio')
      )
        reportCombination(
          ctx,
          'is a ratio for traceidratio or parentbased_traceidratio only (set OTEL_TRACES_SAMPLER to one of them, or unset it)',
          'OTEL_TRACES_SAMPLER_ARG',
        );
    },
    { when: wellFormed('OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG') },
  )
  .transform((values) => {
    const url =
      values.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
      (values.OTEL_EXPORTER_OTLP_ENDPOINT &&
        `${values.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`);
    return {
      /** Where spans go (OTLP over HTTP, JSON), or undefined: no tracing at all. */
      traces:
        url && !values.OTEL_SDK_DISABLED
          ? {
              url,
              serviceName: values.OTEL_SERVICE_NAME,
              sampler: values.OTEL_TRACES_SAMPLER,
              /** The ratio of the traceidratio samplers. @default 1 */
              samplerRatio: values.OTEL_TRACES_SAMPLER_ARG ?? 1,
            }
          : undefined,
    };
  });

export type TracingConfig = z.output<typeof tracingGroup>;
export type TracesConfig = NonNullable<TracingConfig['traces']>;
