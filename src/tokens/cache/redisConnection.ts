import { readFileSync } from 'node:fs';

import {
  createClient,
  createCluster,
  createSentinel,
  type RedisClusterType,
  type RedisClientType,
  type RedisSentinelType,
} from '@redis/client';

import type { RedisConnectionConfig } from '../../config/groups/redis';

/** What the gateway needs to reach Redis: where, TLS files and credentials. */
export interface RedisConnectionOptions {
  connection: RedisConnectionConfig;
  tls?: { enabled: boolean; caFile?: string; certFile?: string; keyFile?: string };
  username?: string;
  password?: string;
  /** The password alone in this file (a mounted secret); one trailing newline is dropped. */
  passwordFile?: string;
}

/** The commands the store sends besides Keyv's, the same for a client, a cluster and a sentinel. */
export interface RedisCommands {
  pTTL(key: string): Promise<number>;
  set(key: string, value: string, options: { NX: true; PX: number }): Promise<string | null>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

export type AnyRedisClient = RedisClientType | RedisClusterType | RedisSentinelType;

/**
 * One way to reach Redis, every mode built with the same bounds: no offline queue (commands
 * fail at once while disconnected), a ping every second (a half-open connection is noticed),
 * connect and socket timeouts, capped reconnect backoff with jitter.
 */
export interface RedisConnection {
  readonly mode: RedisConnectionConfig['mode'];
  /** For @keyv/redis, which accepts all three kinds. */
  readonly client: AnyRedisClient;
  readonly commands: RedisCommands;
  isReady(): boolean;
  /** Connects (and keeps retrying with backoff); never rejects. */
  start(): Promise<void>;
  close(): Promise<void>;
  /** The password, so that error text can be scrubbed of it (never logged). */
  readonly secret: string | undefined;
}

/** Reads one file the operator named, with an error naming its variable (and not its content). */
const readNamed = (variable: string, file: string): Buffer => {
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new Error(`${variable}: cannot read ${file} (${code})`);
  }
};

/** Capped exponential backoff with jitter: forever, but never hammering a dead Redis. */
export const reconnectDelay = (retries: number) =>
  Math.min(100 * 2 ** Math.min(retries, 5), 2_000) + Math.floor(Math.random() * 100);

export const createRedisConnection = (options: RedisConnectionOptions): RedisConnection => {
  let closed = false;
  const tls = options.tls;
  const tlsSocket = tls?.enabled
    ? {
        tls: true as const,
        ...(tls.caFile ? { ca: readNamed('REDIS_TLS_CA_FILE', tls.caFile) } : {}),
        ...(tls.certFile ? { cert: readNamed('REDIS_TLS_CERT_FILE', tls.certFile) } : {}),
        ...(tls.keyFile ? { key: readNamed('REDIS_TLS_KEY_FILE', tls.keyFile) } : {}),
      }
    : {};
  const password =
    options.password ??
    (options.passwordFile
      ? readNamed('REDIS_PASSWORD_FILE', options.passwordFile)
          .toString('utf8')
          .replace(/\r?\n$/, '')
      : undefined);
  const credentials = {
    ...(options.username ? { username: options.username } : {}),
    ...(password !== undefined ? { password } : {}),
  };
  const socket = {
    connectTimeout: 1_000,
    socketTimeout: 3_000,
    keepAlive: true,
    reconnectStrategy: (retries: number) => (closed ? false : reconnectDelay(retries)),
    ...tlsSocket,
  };
  const bounds = {
    // Fail commands at once while disconnected instead of queueing them until a reconnect.
    disableOfflineQueue: true,
    // Detects a half-open connection (Redis gone without a FIN) within about a second.
    pingInterval: 1_000,
  };
  const { connection } = options;
  const secret = password ?? urlPassword(connection);

  if (connection.mode === 'standalone') {
    const client: RedisClientType = createClient({
      url: connection.url,
      ...credentials,
      ...bounds,
      socket,
    });
    return {
      mode: 'standalone',
      client,
      commands: client,
      secret,
      isReady: () => client.isReady,
      start: () =>
        client.connect().then(
          () => undefined,
          () => undefined,
        ),
      close: async () => {
        closed = true;
        await withinGrace(client.isReady ? client.close().catch(() => undefined) : undefined);
        try {
          client.destroy();
        } catch {
          // already closed
        }
      },
    };
  }

  // A cluster or a sentinel set rejects connect() when no seed node answers and does not try
  // again by itself: retry here with the same backoff until it connects or is closed.
  let connected = false;
  let retryTimer: NodeJS.Timeout | undefined;
  const keepConnecting = (connect: () => Promise<unknown>, reset: () => Promise<void>) => {
    let attempts = 0;
    let settle: () => void = () => undefined;
    const first = new Promise<void>((resolve) => {
      settle = resolve;
    });
    const attempt = () => {
      if (closed) return settle();
      connect().then(
        () => {
          connected = true;
          settle();
        },
        async () => {
          settle();
          await reset().catch(() => undefined);
          if (closed) return;
          attempts += 1;
          retryTimer = setTimeout(attempt, reconnectDelay(attempts));
          retryTimer.unref();
        },
      );
    };
    attempt();
    return first;
  };

  if (connection.mode === 'cluster') {
    const cluster = createCluster({
      rootNodes: connection.nodes.map(({ host, port }) => ({ socket: { host, port } })),
      defaults: { ...credentials, ...bounds, socket },
      // Masters only: a replica may lag behind the lock and the token it guards.
      useReplicas: false,
      maxCommandRedirections: 4,
    }) as unknown as RedisClusterType; // the module/script generics of the default client
    return {
      mode: 'cluster',
      client: cluster,
      commands: cluster,
      secret,
      isReady: () => connected && cluster.isOpen,
      start: () =>
        keepConnecting(
          () => cluster.connect(),
          async () => {
            // a failed connect leaves the cluster closed; nothing to reset
          },
        ),
      close: async () => {
        closed = true;
        clearTimeout(retryTimer);
        if (cluster.isOpen) await withinGrace(cluster.close().catch(() => undefined));
        try {
          cluster.destroy();
        } catch {
          // already closed
        }
      },
    };
  }

  const sentinel = createSentinel({
    name: connection.masterName,
    sentinelRootNodes: connection.sentinels.map(({ host, port }) => ({ host, port })),
    // The data nodes get the credentials; the sentinels are asked only where the master is, and
    // take the same TLS settings without credentials (the usual sentinel set-up).
    nodeClientOptions: { ...credentials, ...bounds, socket },
    sentinelClientOptions: { ...bounds, socket },
    masterPoolSize: 1,
    replicaPoolSize: 0,
  }) as unknown as RedisSentinelType;
  return {
    mode: 'sentinel',
    client: sentinel,
    commands: sentinel,
    secret,
    isReady: () => connected && sentinel.isReady,
    start: () =>
      keepConnecting(
        () => sentinel.connect(),
        async () => undefined,
      ),
    close: async () => {
      closed = true;
      clearTimeout(retryTimer);
      if (sentinel.isOpen) await withinGrace(sentinel.close().catch(() => undefined));
      try {
        await Promise.resolve(sentinel.destroy()).catch(() => undefined);
      } catch {
        // already closed
      }
    },
  };
};

const urlPassword = (connection: RedisConnectionConfig): string | undefined => {
  if (connection.mode !== 'standalone') return undefined;
  try {
    const password = decodeURIComponent(new URL(connection.url).password);
    return password === '' ? undefined : password;
  } catch {
    return undefined;
  }
};

/** How long close() waits for pending replies before dropping the connection. */
const CLOSE_GRACE_MS = 1_000;

/** Waits for `work`, but never longer than CLOSE_GRACE_MS. */
export const withinGrace = async (work: Promise<unknown> | undefined) => {
  if (!work) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    work,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CLOSE_GRACE_MS);
    }),
  ]);
  clearTimeout(timer);
};

/**
 * Why Redis is out, for /ready and the log: which setting to look at, never a secret. TLS
 * failures name REDIS_TLS_CA_FILE (or the client certificate), refused credentials name the
 * password variables; the password itself is scrubbed from anything that might echo it.
 */
export const describeRedisFailure = (error: unknown, secret: string | undefined): string => {
  const err = error instanceof Error ? error : new Error(String(error));
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const message = err.message;
  let reason: string;
  if (/alert/i.test(`${code} ${message}`)) {
    // The server ended the handshake: it wants (another) client certificate.
    reason =
      `TLS: the server refused the client certificate (${code || 'alert'}); check REDIS_TLS_CERT_FILE / ` +
      'REDIS_TLS_KEY_FILE (a certificate its CA signed)';
  } else if (
    /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS_CERT_ALTNAME/.test(code) ||
    /certificate/i.test(message)
  ) {
    reason =
      `TLS: the server's certificate is not trusted (${code || message}); ` +
      'check REDIS_TLS_CA_FILE (the CA that signed it) and the host name';
  } else if (/handshake|ssl|tls/i.test(`${code} ${message}`)) {
    reason =
      `TLS handshake failed (${code || message}); check REDIS_TLS_CA_FILE and ` +
      'REDIS_TLS_CERT_FILE / REDIS_TLS_KEY_FILE';
  } else if (/WRONGPASS|NOAUTH|invalid username-password|AUTH/.test(message)) {
    reason =
      `authentication failed (${message.split(' ')[0] ?? 'AUTH'}); check REDIS_USERNAME and ` +
      'REDIS_PASSWORD / REDIS_PASSWORD_FILE (or the URL)';
  } else if (code === 'ECONNREFUSED') {
    reason = 'connection refused';
  } else if (/timed out|timeout/i.test(message)) {
    reason = message;
  } else {
    reason = code ? `${code}: ${message}` : message;
  }
  return scrub(reason, secret).slice(0, 300);
};

const scrub = (text: string, secret: string | undefined) =>
  secret && secret.length > 0 ? text.split(secret).join('***') : text;
