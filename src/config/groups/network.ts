import { z } from 'zod';

import { optionalInteger, optionalString } from '../fields';

const proxyUrl = optionalString.pipe(
  z
    .url({ protocol: /^https?$/, error: 'must be a proxy URL like http://proxy.example.com:3128' })
    .optional(),
);

/** The OpenTelemetry Prometheus exporter's port, the usual metrics port. */
export const DEFAULT_METRICS_PORT = 9464;

/**
 * The operator's network: the second listener for /metrics and /ready (METRICS_PORT, which a
 * Service does not publish), and the outbound proxy every client to SEEK, the JWKS host and
 * the secrets stores goes through (src/outbound/proxy.ts says how NO_PROXY is matched). The
 * lower-case forms win over the upper-case ones, as in undici and curl.
 */
export const networkGroup = z
  .object({
    /**
     * Unset: 9464; 0: a free port (tests). The same port as PORT fails at the listen, naming
     * METRICS_PORT (the variables are read by different groups, each reporting its own).
     */
    METRICS_PORT: optionalInteger(0, 65_535),
    HTTPS_PROXY: proxyUrl,
    https_proxy: proxyUrl,
    HTTP_PROXY: proxyUrl,
    http_proxy: proxyUrl,
    NO_PROXY: optionalString,
    no_proxy: optionalString,
  })
  .transform((values) => ({
    metrics: {
      port: values.METRICS_PORT ?? DEFAULT_METRICS_PORT,
      /**
       * False when METRICS_PORT was left to its default: a default port another process holds
       * (a second gateway on one machine) is a warning, a port set explicitly a failed start.
       */
      portSet: values.METRICS_PORT !== undefined,
    },
    proxy: {
      httpsProxy: values.https_proxy ?? values.HTTPS_PROXY,
      httpProxy: values.http_proxy ?? values.HTTP_PROXY,
      noProxy: values.no_proxy ?? values.NO_PROXY ?? '',
    },
  }));
