import { z } from 'zod';

import { evenIfMalformed, integer, optionalString, reportCombination } from '../fields';

export interface RedisNodeAddress {
  host: string;
  port: number;
}

/** Where the shared token cache lives: one Redis (URL), a Redis Cluster, or Redis via Sentinel. */
export type RedisConnectionConfig =
  | { mode: 'standalone'; url: string }
  | { mode: 'cluster'; nodes: RedisNodeAddress[] }
  | { mode: 'sentinel'; sentinels: RedisNodeAddress[]; masterName: string };

/** The variable that names each way to reach Redis, as messages name it. */
const CONNECTION_VARIABLES = ['REDIS_URL', 'REDIS_CLUSTER_NODES', 'REDIS_SENTINELS'] as const;

/** `host:port` or `rediss://host:port` (`redis://` too); IPv6 hosts in brackets. */
const NODE_PATTERN = /^(?:(rediss?):\/\/)?(\[[0-9a-fA-F:.]+\]|[^\s:/[\]@]+):(\d{1,5})$/;

interface ParsedNode extends RedisNodeAddress {
  scheme: 'redis' | 'rediss' | undefined;
}

const parseNode = (item: string): ParsedNode | undefined => {
  const match = NODE_PATTERN.exec(item);
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port < 1 || port > 65_535) return undefined;
  const host = (match[2] as string).replace(/^\[(.*)\]$/, '$1');
  return { host, port, scheme: match[1] as ParsedNode['scheme'] };
};

/** A comma- or space-separated list of nodes; the message never repeats the value. */
const nodeList = optionalString.transform((value, ctx): ParsedNode[] | undefined => {
  if (value === undefined) return undefined;
  const items = value.split(/[\s,]+/).filter(Boolean);
  const nodes = items.map(parseNode);
  if (nodes.some((node) => node === undefined)) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be host:port items separated by commas (rediss://host:port for TLS)',
    });
    return z.NEVER;
  }
  return nodes as ParsedNode[];
});

const hasUrlPassword = (value: string | undefined): boolean => {
  if (value === undefined) return false;
  try {
    return new URL(value).password !== '';
  } catch {
    return false;
  }
};

/**
 * The shared token cache's Redis; unset: memory only. Exactly one of REDIS_URL,
 * REDIS_CLUSTER_NODES and REDIS_SENTINELS. TLS, credentials and the command bound apply to
 * every mode. Files (CA, certificate, key, password) are read when the store is built.
 */
export const redisGroup = z
  .object({
    REDIS_URL: optionalString.pipe(z.url({ protocol: /^rediss?$/ }).optional()),
    REDIS_CLUSTER_NODES: nodeList,
    REDIS_SENTINELS: nodeList,
    REDIS_SENTINEL_MASTER: optionalString,
    REDIS_USERNAME: optionalString,
    REDIS_PASSWORD: optionalString,
    REDIS_PASSWORD_FILE: optionalString,
    REDIS_TLS_CA_FILE: optionalString,
    REDIS_TLS_CERT_FILE: optionalString,
    REDIS_TLS_KEY_FILE: optionalString,
    REDIS_COMMAND_TIMEOUT_MS: integer(50, 5, 5_000),
  })
  .superRefine(
    (values, ctx) => {
      const set = CONNECTION_VARIABLES.filter((name) => values[name] !== undefined);
      if (set.length > 1) {
        reportCombination(
          ctx,
          `${set.join(' and ')}: more than one way to reach Redis; set only one of them`,
        );
      }
      if (values.REDIS_SENTINELS && !values.REDIS_SENTINEL_MASTER) {
        reportCombination(
          ctx,
          'required with REDIS_SENTINELS: the name of the master the sentinels monitor',
          'REDIS_SENTINEL_MASTER',
        );
      }
      if (values.REDIS_SENTINEL_MASTER && !values.REDIS_SENTINELS) {
        reportCombination(ctx, 'set without REDIS_SENTINELS', 'REDIS_SENTINEL_MASTER');
      }
      if (values.REDIS_PASSWORD && values.REDIS_PASSWORD_FILE) {
        reportCombination(
          ctx,
          'REDIS_PASSWORD and REDIS_PASSWORD_FILE: two sources of the Redis password; set only one of them',
        );
      }
      if (
        hasUrlPassword(values.REDIS_URL) &&
        (values.REDIS_PASSWORD || values.REDIS_PASSWORD_FILE)
      ) {
        reportCombination(
          ctx,
          `REDIS_URL and ${values.REDIS_PASSWORD ? 'REDIS_PASSWORD' : 'REDIS_PASSWORD_FILE'}: ` +
            'the URL holds a password too; set only one of them',
        );
      }
      if (Boolean(values.REDIS_TLS_CERT_FILE) !== Boolean(values.REDIS_TLS_KEY_FILE)) {
        reportCombination(
          ctx,
          'REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE: a client certificate needs both',
        );
      }
      const tlsFiles = values.REDIS_TLS_CA_FILE || values.REDIS_TLS_CERT_FILE;
      if (tlsFiles && values.REDIS_URL?.startsWith('redis://')) {
        reportCombination(
          ctx,
          'is redis:// (no TLS) but REDIS_TLS_* files are set; use a rediss:// URL',
          'REDIS_URL',
        );
      }
      for (const name of ['REDIS_CLUSTER_NODES', 'REDIS_SENTINELS'] as const) {
        // This rule runs even when the list is malformed (then it is not an array): skip it.
        const nodes: unknown = values[name];
        if (!Array.isArray(nodes)) continue;
        const parsed = nodes as ParsedNode[];
        const schemes = new Set(parsed.map((node) => node.scheme ?? 'redis'));
        if (schemes.size > 1) {
          reportCombination(ctx, 'mixes redis:// and rediss:// nodes; use one for all', name);
        } else if (tlsFiles && parsed.some((node) => node.scheme === 'redis')) {
          reportCombination(
            ctx,
            'has redis:// (no TLS) nodes but REDIS_TLS_* files are set; use rediss://',
            name,
          );
        }
      }
    },
    { when: evenIfMalformed },
  )
  .transform((values) => {
    const address = ({ host, port }: ParsedNode): RedisNodeAddress => ({ host, port });
    const nodes = values.REDIS_CLUSTER_NODES ?? values.REDIS_SENTINELS ?? [];
    const connection: RedisConnectionConfig | undefined = values.REDIS_URL
      ? { mode: 'standalone', url: values.REDIS_URL }
      : values.REDIS_CLUSTER_NODES
        ? { mode: 'cluster', nodes: values.REDIS_CLUSTER_NODES.map(address) }
        : values.REDIS_SENTINELS
          ? {
              mode: 'sentinel',
              sentinels: values.REDIS_SENTINELS.map(address),
              masterName: values.REDIS_SENTINEL_MASTER ?? '',
            }
          : undefined;
    return {
      /** REDIS_URL (one Redis) only; see `connection` for every mode. */
      url: values.REDIS_URL,
      connection,
      tls: {
        /** rediss:// (URL or nodes), or any REDIS_TLS_* file set. */
        enabled: Boolean(
          values.REDIS_URL?.startsWith('rediss://') ||
          nodes.some((node) => node.scheme === 'rediss') ||
          values.REDIS_TLS_CA_FILE ||
          values.REDIS_TLS_CERT_FILE,
        ),
        caFile: values.REDIS_TLS_CA_FILE,
        certFile: values.REDIS_TLS_CERT_FILE,
        keyFile: values.REDIS_TLS_KEY_FILE,
      },
      username: values.REDIS_USERNAME,
      password: values.REDIS_PASSWORD,
      passwordFile: values.REDIS_PASSWORD_FILE,
      commandTimeoutMs: values.REDIS_COMMAND_TIMEOUT_MS,
    };
  });

export type RedisConfig = z.output<typeof redisGroup>;
