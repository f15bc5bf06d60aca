import packageJson from '../package.json';
import {
  CONFIG_VARIABLES,
  ConfigError,
  DEFAULT_GRAPHQL_MAX_ALIASES,
  DEFAULT_GRAPHQL_MAX_COST,
  DEFAULT_GRAPHQL_MAX_DEPTH,
  DEFAULT_GRAPHQL_MAX_DIRECTIVES,
  DEFAULT_GRAPHQL_MAX_TOKENS,
  loadConfig,
  type Config,
} from '../src/config';
import { decodeEncryptionKey } from '../src/config/encryptionKey';

type Env = Record<string, string | undefined>;

const KEY = 'k'.repeat(16);
const PRODUCTION: Env = {
  NODE_ENV: 'production',
  SEEK_CLIENT_ID: 'id',
  SEEK_CLIENT_SECRET: 'secret',
  GATEWAY_API_KEYS: KEY,
};

/** The problems loadConfig reports for env ([] when it loads). */
const problemsOf = (env: Env): string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
};

describe('configuration defaults', () => {
  it('loads every default with no variable set', () => {
    expect(loadConfig({})).toEqual({
      environment: 'development',
      port: 4000,
      host: '0.0.0.0',
      embeddedSimulator: true,
      seek: {
        apiUrl: 'https://graphql.seek.com/graphql',
        browserTokenUrl: 'https://graphql.seek.com/auth/token',
        authUrl: 'https://auth.seek.com/oauth/token',
        audience: 'https://graphql.seek.com',
        timeoutMs: 10_000,
        authTimeoutMs: 5_000,
        schemaFile: undefined,
        schemaPollMs: undefined,
      },
      credentials: { source: undefined, refreshSeconds: 300, timeoutMs: 5_000 },
      redis: {
        url: undefined,
        connection: undefined,
        tls: { enabled: false, caFile: undefined, certFile: undefined, keyFile: undefined },
        username: undefined,
        password: undefined,
        passwordFile: undefined,
        commandTimeoutMs: 50,
      },
      network: {
        metrics: { port: 9464, portSet: false },
        proxy: { httpsProxy: undefined, httpProxy: undefined, noProxy: '' },
      },
      tracing: { traces: undefined },
      tokenCache: { encryptionKey: undefined, expiryBufferSeconds: 60 },
      serviceKeys: [],
      auth: {
        issuer: undefined,
        audience: undefined,
        secret: undefined,
        jwksUrl: undefined,
        jwksTimeoutMs: 1_500,
        hirerClaim: 'seek_hirer_ids',
      },
      browserTokens: { allowedScopes: undefined, ratePerMinute: 30 },
      protection: {
        serviceKeysFile: undefined,
        rateLimits: { servicePerMinute: 0, browserPerMinute: 600, addressPerMinute: 1_200 },
        trustProxyHops: 0,
        seekCalls: { maxConcurrency: 128, queueMax: 256, queueTimeoutMs: 1_000 },
      },
      http: {
        corsOrigins: [],
        maxBodyBytes: 1_048_576,
        bodyTimeoutMs: 10_000,
        shutdownTimeoutMs: 10_000,
      },
      attachments: {
        maxBytes: 52_428_800,
        idleTimeoutMs: 10_000,
        timeoutMs: 120_000,
        maxConcurrency: 32,
        maxPerCaller: 4,
      },
      graphql: {
        introspection: true,
        ide: 'sandbox',
        sandbox: true,
        maxDepth: DEFAULT_GRAPHQL_MAX_DEPTH,
        maxAliases: DEFAULT_GRAPHQL_MAX_ALIASES,
        maxTokens: DEFAULT_GRAPHQL_MAX_TOKENS,
        maxCost: DEFAULT_GRAPHQL_MAX_COST,
        maxDirectives: DEFAULT_GRAPHQL_MAX_DIRECTIVES,
      },
      documents: {
        file: undefined,
        required: new Set(),
        apq: { ttlSeconds: 86_400, maxEntries: 5_000, maxDocumentChars: 8_192 },
      },
      userAgent: `${packageJson.name}/${packageJson.version}`,
      logLevel: 'info',
    });
  });

  it('keeps the GraphQL limits at their documented defaults', () => {
    expect([
      DEFAULT_GRAPHQL_MAX_DEPTH,
      DEFAULT_GRAPHQL_MAX_ALIASES,
      DEFAULT_GRAPHQL_MAX_TOKENS,
      DEFAULT_GRAPHQL_MAX_COST,
      DEFAULT_GRAPHQL_MAX_DIRECTIVES,
    ]).toEqual([20, 20, 1_500, 20_000, 10]);
  });

  it("has exactly Config's top-level fields", () => {
    // Record<keyof Config, …> fails to compile if a field is missing here or unknown to Config.
    const fields: Record<keyof Config, true> = {
      environment: true,
      port: true,
      host: true,
      embeddedSimulator: true,
      seek: true,
      credentials: true,
      redis: true,
      tokenCache: true,
      serviceKeys: true,
      auth: true,
      browserTokens: true,
      protection: true,
      http: true,
      attachments: true,
      graphql: true,
      documents: true,
      network: true,
      tracing: true,
      userAgent: true,
      logLevel: true,
    };
    expect(Object.keys(loadConfig({})).sort()).toEqual(Object.keys(fields).sort());
  });

  it('treats blank values as unset and trims the others', () => {
    const config = loadConfig({
      PORT: '  ',
      HOST: ' 127.0.0.1 ',
      LOG_LEVEL: '',
      CORS_ORIGINS: ' ',
    });
    expect(config.port).toBe(4000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.logLevel).toBe('info');
    expect(config.http.corsOrigins).toEqual([]);
  });

  it('knows production and test by NODE_ENV; anything else is development', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).environment).toBe('test');
    expect(loadConfig({ NODE_ENV: 'staging' }).environment).toBe('development');
    expect(loadConfig(PRODUCTION).environment).toBe('production');
  });

  it('reads only the object it is given, never process.env', () => {
    process.env.PORT = '1234';
    try {
      expect(loadConfig({}).port).toBe(4000);
    } finally {
      delete process.env.PORT;
    }
  });

  it('lists the variables it reads, HTTP_BODY_TIMEOUT_MS among them', () => {
    expect(CONFIG_VARIABLES).toContain('HTTP_BODY_TIMEOUT_MS');
    expect(new Set(CONFIG_VARIABLES).size).toBe(CONFIG_VARIABLES.length);
    // Upper case, but for the proxy variables' lower-case forms (which win, as in undici and curl).
    const lowerCase = ['https_proxy', 'http_proxy', 'no_proxy'];
    expect(
      CONFIG_VARIABLES.every((name) => /^[A-Z][A-Z0-9_]*$/.test(name) || lowerCase.includes(name)),
    ).toBe(true);
  });

  it('takes lists separated by commas or whitespace', () => {
    const config = loadConfig({
      GATEWAY_API_KEYS: `${KEY}a, ${KEY}b\n${KEY}c`,
      BROWSER_TOKEN_SCOPES: 'query:ontologies,mutate:candidates download:attachments',
    });
    expect(config.serviceKeys).toEqual([`${KEY}a`, `${KEY}b`, `${KEY}c`]);
    expect(config.browserTokens.allowedScopes).toEqual([
      'query:ontologies',
      'mutate:candidates',
      'download:attachments',
    ]);
  });

  it('lets GRAPHQL_INTROSPECTION and GRAPHQL_SANDBOX override the environment', () => {
    expect(loadConfig({ GRAPHQL_INTROSPECTION: 'false' }).graphql).toMatchObject({
      introspection: false,
      sandbox: false,
    });
    expect(
      loadConfig({ ...PRODUCTION, GRAPHQL_INTROSPECTION: 'true', GRAPHQL_SANDBOX: 'false' })
        .graphql,
    ).toMatchObject({ introspection: true, sandbox: false });
  });
});

describe('GRAPHQL_IDE and its old name GRAPHQL_SANDBOX', () => {
  const ideOf = (env: Env) => {
    const { ide, sandbox } = loadConfig(env).graphql;
    return { ide, sandbox };
  };

  it('defaults to sandbox outside production (unless introspection is off), off in production', () => {
    expect(ideOf({})).toEqual({ ide: 'sandbox', sandbox: true });
    expect(ideOf({ NODE_ENV: 'test' })).toEqual({ ide: 'sandbox', sandbox: true });
    expect(ideOf({ GRAPHQL_INTROSPECTION: 'false' })).toEqual({ ide: 'off', sandbox: false });
    expect(ideOf(PRODUCTION)).toEqual({ ide: 'off', sandbox: false });
    expect(ideOf({ ...PRODUCTION, GRAPHQL_INTROSPECTION: 'true' })).toEqual({
      ide: 'off',
      sandbox: false,
    });
  });

  it.each<[value: string, ide: string]>([
    ['sandbox', 'sandbox'],
    ['graphiql', 'graphiql'],
    ['off', 'off'],
  ])('takes GRAPHQL_IDE=%s, in production too', (value, ide) => {
    expect(ideOf({ GRAPHQL_IDE: value }).ide).toBe(ide);
    expect(ideOf({ ...PRODUCTION, GRAPHQL_IDE: value })).toEqual({
      ide,
      sandbox: ide === 'sandbox',
    });
  });

  it('reads GRAPHQL_SANDBOX as an alias: true is sandbox, false is off', () => {
    expect(ideOf({ GRAPHQL_SANDBOX: 'false' })).toEqual({ ide: 'off', sandbox: false });
    expect(ideOf({ ...PRODUCTION, GRAPHQL_SANDBOX: 'true' })).toEqual({
      ide: 'sandbox',
      sandbox: true,
    });
    expect(ideOf({ GRAPHQL_IDE: 'sandbox', GRAPHQL_SANDBOX: 'true' }).ide).toBe('sandbox');
    expect(ideOf({ GRAPHQL_IDE: 'off', GRAPHQL_SANDBOX: 'false' }).ide).toBe('off');
  });

  it('refuses the two set inconsistently, naming both', () => {
    expect(problemsOf({ GRAPHQL_IDE: 'graphiql', GRAPHQL_SANDBOX: 'true' })).toEqual([
      'GRAPHQL_IDE and GRAPHQL_SANDBOX disagree: GRAPHQL_SANDBOX=true means GRAPHQL_IDE=sandbox, but GRAPHQL_IDE=graphiql. Set only GRAPHQL_IDE (GRAPHQL_SANDBOX is its old name)',
    ]);
    expect(problemsOf({ GRAPHQL_IDE: 'graphiql', GRAPHQL_SANDBOX: 'false' })).toEqual([
      'GRAPHQL_IDE and GRAPHQL_SANDBOX disagree: GRAPHQL_SANDBOX=false means GRAPHQL_IDE=off, but GRAPHQL_IDE=graphiql. Set only GRAPHQL_IDE (GRAPHQL_SANDBOX is its old name)',
    ]);
    expect(problemsOf({ GRAPHQL_IDE: 'sandbox', GRAPHQL_SANDBOX: 'false' })).toHaveLength(1);
  });

  it('names GRAPHQL_IDE for a value it does not know', () => {
    expect(problemsOf({ GRAPHQL_IDE: 'playground' })).toEqual([
      'GRAPHQL_IDE: Invalid option: expected one of "sandbox"|"graphiql"|"off"',
    ]);
  });
});

describe('configuration errors name their variable', () => {
  // One malformed value per group; each must be reported under its own name.
  it.each<[group: string, env: Env, variable: string]>([
    ['server', { PORT: '65536' }, 'PORT'],
    ['server', { USER_AGENT: 'tab\there' }, 'USER_AGENT'],
    ['seek', { SEEK_BROWSER_TOKEN_URL: 'ftp://seek.example/token' }, 'SEEK_BROWSER_TOKEN_URL'],
    ['seek', { SEEK_AUTH_TIMEOUT_MS: '99' }, 'SEEK_AUTH_TIMEOUT_MS'],
    ['seek', { SEEK_SCHEMA_POLL_MS: '999' }, 'SEEK_SCHEMA_POLL_MS'],
    ['credentials', { SEEK_CREDENTIALS_REFRESH_SECONDS: '0' }, 'SEEK_CREDENTIALS_REFRESH_SECONDS'],
    ['credentials', { SEEK_CREDENTIALS_TIMEOUT_MS: '99' }, 'SEEK_CREDENTIALS_TIMEOUT_MS'],
    ['redis', { REDIS_URL: 'https://redis.example' }, 'REDIS_URL'],
    ['redis', { REDIS_COMMAND_TIMEOUT_MS: '5001' }, 'REDIS_COMMAND_TIMEOUT_MS'],
    ['tokenCache', { TOKEN_ENCRYPTION_KEY: 'ab'.repeat(31) }, 'TOKEN_ENCRYPTION_KEY'],
    ['tokenCache', { TOKEN_EXPIRY_BUFFER_SECONDS: '601' }, 'TOKEN_EXPIRY_BUFFER_SECONDS'],
    ['serviceKeys', { GATEWAY_API_KEYS: `${KEY} short` }, 'GATEWAY_API_KEYS'],
    ['auth', { AUTH_JWKS_TIMEOUT_MS: 'soon' }, 'AUTH_JWKS_TIMEOUT_MS'],
    ['browserTokens', { BROWSER_TOKEN_SCOPES: 'query:ontologies read' }, 'BROWSER_TOKEN_SCOPES'],
    ['browserTokens', { BROWSER_TOKEN_RATE_PER_MINUTE: '0' }, 'BROWSER_TOKEN_RATE_PER_MINUTE'],
    ['http', { CORS_ORIGINS: 'app.example.com' }, 'CORS_ORIGINS'],
    ['http', { MAX_BODY_BYTES: '1023' }, 'MAX_BODY_BYTES'],
    ['http', { HTTP_BODY_TIMEOUT_MS: '99' }, 'HTTP_BODY_TIMEOUT_MS'],
    ['http', { SHUTDOWN_TIMEOUT_MS: '-1' }, 'SHUTDOWN_TIMEOUT_MS'],
    ['graphql', { GRAPHQL_SANDBOX: 'on' }, 'GRAPHQL_SANDBOX'],
    ['graphql', { GRAPHQL_IDE: 'apollo' }, 'GRAPHQL_IDE'],
    ['graphql', { GRAPHQL_MAX_DEPTH: '101' }, 'GRAPHQL_MAX_DEPTH'],
    ['graphql', { GRAPHQL_MAX_COST: '99' }, 'GRAPHQL_MAX_COST'],
    ['logging', { LOG_LEVEL: 'verbose' }, 'LOG_LEVEL'],
  ])('%s: %j is reported as %s', (_group, env, variable) => {
    const problems = problemsOf(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${variable}: `));
  });

  it('throws a ConfigError whose message lists each problem', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'x', LOG_LEVEL: 'loud' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { name, message, problems } = error as ConfigError;
    expect(name).toBe('ConfigError');
    expect(problems).toHaveLength(2);
    expect(message).toBe(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  });

  it('reports bad variables of every group at once, malformed values before combinations', () => {
    const problems = problemsOf({
      PORT: '-1',
      SEEK_TIMEOUT_MS: 'ten',
      SEEK_CLIENT_ID: 'id', // and no secret: a combination
      REDIS_URL: 'redis//nowhere',
      GATEWAY_API_KEYS: 'short',
      AUTH_JWT_SECRET: 'too short', // and no issuer or audience: a combination
      HTTP_BODY_TIMEOUT_MS: '300001',
      GRAPHQL_MAX_ALIASES: '-5',
      LOG_LEVEL: 'loud',
    });
    expect(problems.map((problem) => problem.split(':')[0])).toEqual([
      'PORT',
      'SEEK_TIMEOUT_MS',
      'REDIS_URL',
      'GATEWAY_API_KEYS',
      'AUTH_JWT_SECRET',
      'HTTP_BODY_TIMEOUT_MS',
      'GRAPHQL_MAX_ALIASES',
      'LOG_LEVEL',
      'SEEK_CLIENT_SECRET',
      'AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE',
    ]);
    expect(problems).toContain('GATEWAY_API_KEYS: key #1 is shorter than 16 characters');
    expect(problems).toContain('AUTH_JWT_SECRET: must be at least 32 bytes for HS256');
  });

  it('reports each short service key and each bad scope or origin by position or value', () => {
    expect(problemsOf({ GATEWAY_API_KEYS: `abc ${KEY} def` })).toEqual([
      'GATEWAY_API_KEYS: key #1 is shorter than 16 characters',
      'GATEWAY_API_KEYS: key #3 is shorter than 16 characters',
    ]);
    expect(problemsOf({ BROWSER_TOKEN_SCOPES: 'query:ok Query:bad write' })).toEqual([
      'BROWSER_TOKEN_SCOPES: "Query:bad" is not a scope like query:ontologies',
      'BROWSER_TOKEN_SCOPES: "write" is not a scope like query:ontologies',
    ]);
    expect(problemsOf({ CORS_ORIGINS: 'https://ok.example,https://bad.example/' })).toEqual([
      'CORS_ORIGINS: "https://bad.example/" is not an origin like https://app.example.com',
    ]);
  });

  it('describes the SEEK credentials by their source, reading no file (the source reads it)', () => {
    expect(
      loadConfig({ SEEK_CLIENT_ID: 'id', SEEK_CLIENT_SECRET: 'from-the-environment' }).credentials
        .source,
    ).toEqual({ kind: 'environment', clientId: 'id', clientSecret: 'from-the-environment' });
    const config = loadConfig({
      SEEK_CLIENT_ID: 'id',
      SEEK_CLIENT_SECRET_FILE: '/run/secrets/not-read-by-config',
    });
    expect(config.credentials.source).toEqual({
      kind: 'secret-file',
      clientId: 'id',
      secretFile: '/run/secrets/not-read-by-config',
    });
    expect(config.embeddedSimulator).toBe(false);
    expect(
      loadConfig({ SEEK_CREDENTIALS_FILE: '/etc/seek/credentials.json' }).credentials.source,
    ).toEqual({
      kind: 'credentials-file',
      file: '/etc/seek/credentials.json',
    });
    expect(
      loadConfig({ SEEK_CREDENTIALS_AWS_SECRET_ID: 'seek/gateway/prod' }).credentials.source,
    ).toEqual({ kind: 'aws-secrets-manager', secretId: 'seek/gateway/prod' });
    expect(
      loadConfig({
        SEEK_CREDENTIALS_AZURE_VAULT_URL: 'https://my-vault.vault.azure.net',
        SEEK_CREDENTIALS_AZURE_SECRET_NAME: 'seek-gateway',
      }).credentials.source,
    ).toEqual({
      kind: 'azure-key-vault',
      vaultUrl: 'https://my-vault.vault.azure.net',
      secretName: 'seek-gateway',
      loopbackAuthority: false,
    });
    expect(
      loadConfig({
        SEEK_CREDENTIALS_AZURE_VAULT_URL: 'https://127.0.0.1:8443',
        SEEK_CREDENTIALS_AZURE_SECRET_NAME: 'seek-gateway',
        AZURE_AUTHORITY_HOST: 'https://127.0.0.1:8444',
      }).credentials.source,
    ).toMatchObject({ kind: 'azure-key-vault', loopbackAuthority: true });
    expect(
      loadConfig({
        SEEK_CREDENTIALS_AWS_SECRET_ID: 'seek/gateway/prod',
        SEEK_CREDENTIALS_REFRESH_SECONDS: '60',
        SEEK_CREDENTIALS_TIMEOUT_MS: '2000',
      }).credentials,
    ).toMatchObject({ refreshSeconds: 60, timeoutMs: 2_000 });
  });

  it('takes exactly one source of SEEK credentials, naming both when two are set', () => {
    expect(
      problemsOf({
        SEEK_CLIENT_ID: 'id',
        SEEK_CLIENT_SECRET: 's',
        SEEK_CLIENT_SECRET_FILE: '/run/secrets/seek',
      }),
    ).toEqual([
      'SEEK_CLIENT_SECRET and SEEK_CLIENT_SECRET_FILE: more than one source of SEEK credentials; set only one of them',
    ]);
    expect(
      problemsOf({
        SEEK_CREDENTIALS_FILE: '/etc/seek/credentials.json',
        SEEK_CREDENTIALS_AWS_SECRET_ID: 'seek/gateway',
      }),
    ).toEqual([
      'SEEK_CREDENTIALS_FILE and SEEK_CREDENTIALS_AWS_SECRET_ID: more than one source of SEEK credentials; set only one of them',
    ]);
    expect(
      problemsOf({
        SEEK_CLIENT_ID: 'id',
        SEEK_CLIENT_SECRET: 's',
        SEEK_CREDENTIALS_AZURE_SECRET_NAME: 'seek-gateway',
        SEEK_CREDENTIALS_AWS_SECRET_ID: 'seek/gateway',
      }),
    ).toEqual([
      'SEEK_CLIENT_SECRET, SEEK_CREDENTIALS_AWS_SECRET_ID and SEEK_CREDENTIALS_AZURE_VAULT_URL: more than one source of SEEK credentials; set only one of them',
    ]);
    expect(problemsOf({ SEEK_CLIENT_SECRET: 's' })).toEqual([
      'SEEK_CLIENT_ID: required when a client secret is set',
    ]);
    expect(problemsOf({ SEEK_CLIENT_SECRET_FILE: '/run/secrets/seek' })).toEqual([
      'SEEK_CLIENT_ID: required when a client secret is set',
    ]);
    // A source holding the JSON holds client_id too: SEEK_CLIENT_ID beside it is ambiguous.
    expect(
      problemsOf({ SEEK_CLIENT_ID: 'id', SEEK_CREDENTIALS_AWS_SECRET_ID: 'seek/gateway' }),
    ).toEqual([
      'SEEK_CLIENT_ID: not used with SEEK_CREDENTIALS_AWS_SECRET_ID, whose JSON holds client_id: unset it',
    ]);
    expect(problemsOf({ SEEK_CREDENTIALS_AZURE_VAULT_URL: 'https://v.vault.azure.net' })).toEqual([
      'SEEK_CREDENTIALS_AZURE_SECRET_NAME: required with SEEK_CREDENTIALS_AZURE_VAULT_URL',
    ]);
    expect(problemsOf({ SEEK_CREDENTIALS_AZURE_SECRET_NAME: 'seek-gateway' })).toEqual([
      'SEEK_CREDENTIALS_AZURE_VAULT_URL: required with SEEK_CREDENTIALS_AZURE_SECRET_NAME',
    ]);
    expect(
      problemsOf({
        SEEK_CREDENTIALS_AZURE_VAULT_URL: 'http://v.vault.azure.net',
        SEEK_CREDENTIALS_AZURE_SECRET_NAME: 'not_a_name',
      }),
    ).toEqual([
      'SEEK_CREDENTIALS_AZURE_VAULT_URL: must be an https URL like https://my-vault.vault.azure.net',
      'SEEK_CREDENTIALS_AZURE_SECRET_NAME: must be a Key Vault secret name: 1-127 letters, digits and dashes',
    ]);
  });

  it('accepts user JWTs only fully configured, with one key source', () => {
    const jwt = { AUTH_JWT_ISSUER: 'https://app.example/', AUTH_JWT_AUDIENCE: 'gateway' };
    expect(loadConfig({ ...jwt, AUTH_JWT_SECRET: 'x'.repeat(32) }).auth).toMatchObject({
      issuer: 'https://app.example/',
      audience: 'gateway',
      secret: 'x'.repeat(32),
      jwksUrl: undefined,
    });
    expect(problemsOf(jwt)).toEqual([
      'AUTH_JWT_ISSUER, AUTH_JWT_AUDIENCE and AUTH_JWT_SECRET or AUTH_JWKS_URL: set all of them to accept user JWTs',
    ]);
    expect(
      problemsOf({
        ...jwt,
        AUTH_JWT_SECRET: 'x'.repeat(32),
        AUTH_JWKS_URL: 'https://app.example/jwks',
      }),
    ).toEqual(['AUTH_JWT_SECRET and AUTH_JWKS_URL: set only one of them']);
    expect(problemsOf({ AUTH_JWKS_URL: 'https://app.example/jwks' })).toEqual([
      'AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE: required with AUTH_JWT_SECRET or AUTH_JWKS_URL',
    ]);
  });
});

describe('configuration in production', () => {
  it('loads a minimal production configuration: no simulator, no introspection, no Sandbox', () => {
    const config = loadConfig(PRODUCTION);
    expect(config).toMatchObject({
      environment: 'production',
      embeddedSimulator: false,
      serviceKeys: [KEY],
      graphql: { introspection: false, ide: 'off', sandbox: false },
    });
  });

  it('requires SEEK credentials, a secret with the client id, and some way in for callers', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([
      'SEEK credentials: required when NODE_ENV=production (the simulator never runs in production); ' +
        'set SEEK_CLIENT_ID with SEEK_CLIENT_SECRET or SEEK_CLIENT_SECRET_FILE, or SEEK_CREDENTIALS_FILE, ' +
        'or SEEK_CREDENTIALS_AWS_SECRET_ID, or SEEK_CREDENTIALS_AZURE_VAULT_URL with SEEK_CREDENTIALS_AZURE_SECRET_NAME',
      'GATEWAY_API_KEYS: set at least one service key (GATEWAY_API_KEYS or GATEWAY_API_KEYS_FILE) or AUTH_JWT_ISSUER in production',
    ]);
    // Any one source will do.
    expect(
      loadConfig({
        ...PRODUCTION,
        SEEK_CLIENT_ID: undefined,
        SEEK_CLIENT_SECRET: undefined,
        SEEK_CREDENTIALS_AWS_SECRET_ID: 'seek/gateway',
      }).embeddedSimulator,
    ).toBe(false);
    expect(problemsOf({ ...PRODUCTION, SEEK_CLIENT_SECRET: undefined })).toEqual([
      'SEEK_CLIENT_SECRET: required when SEEK_CLIENT_ID is set (or SEEK_CLIENT_SECRET_FILE)',
    ]);
    // User JWTs alone are a way in.
    expect(
      loadConfig({
        ...PRODUCTION,
        GATEWAY_API_KEYS: undefined,
        AUTH_JWT_ISSUER: 'https://app.example/',
        AUTH_JWT_AUDIENCE: 'gateway',
        AUTH_JWKS_URL: 'https://app.example/jwks',
      }).serviceKeys,
    ).toEqual([]);
  });

  it('requires https to SEEK and the JWKS, except to a loopback address', () => {
    expect(
      problemsOf({
        ...PRODUCTION,
        SEEK_BROWSER_TOKEN_URL: 'http://seek.example/auth/token',
        AUTH_JWT_ISSUER: 'https://app.example/',
        AUTH_JWT_AUDIENCE: 'gateway',
        AUTH_JWKS_URL: 'http://app.example/jwks',
      }),
    ).toEqual([
      'SEEK_BROWSER_TOKEN_URL: must use https in production',
      'AUTH_JWKS_URL: must use https in production',
    ]);
    expect(
      problemsOf({
        ...PRODUCTION,
        SEEK_API_URL: 'http://localhost:4100/graphql',
        SEEK_BROWSER_TOKEN_URL: 'http://[::1]:4100/auth/token',
        SEEK_AUTH_URL: 'http://127.0.0.1:4100/oauth/token',
      }),
    ).toEqual([]);
    // Outside production, plain http is fine.
    expect(problemsOf({ SEEK_API_URL: 'http://seek.example/graphql' })).toEqual([]);
  });

  it('refuses CORS_ORIGINS=* in production only', () => {
    expect(problemsOf({ ...PRODUCTION, CORS_ORIGINS: 'https://app.example.com, *' })).toEqual([
      'CORS_ORIGINS: "*" is not allowed in production',
    ]);
    expect(loadConfig({ CORS_ORIGINS: '*' }).http.corsOrigins).toEqual(['*']);
  });

  it('requires each service key to be at least 16 characters', () => {
    expect(problemsOf({ ...PRODUCTION, GATEWAY_API_KEYS: 'k'.repeat(15) })).toEqual([
      'GATEWAY_API_KEYS: key #1 is shorter than 16 characters',
    ]);
    expect(loadConfig({ ...PRODUCTION, GATEWAY_API_KEYS: 'k'.repeat(16) }).serviceKeys).toEqual([
      'k'.repeat(16),
    ]);
  });

  it('requires TOKEN_ENCRYPTION_KEY with Redis in production, printing how to make one', () => {
    const problems = problemsOf({ ...PRODUCTION, REDIS_URL: 'redis://redis:6379' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^TOKEN_ENCRYPTION_KEY: required in production with REDIS_URL/);
    expect(problems[0]).toContain('openssl rand -hex 32');
    expect(problems[0]).toContain(
      `node -e "console.log(require('crypto').randomBytes(32).toString('hex'))"`,
    );
    expect(
      loadConfig({
        ...PRODUCTION,
        REDIS_URL: 'redis://redis:6379',
        TOKEN_ENCRYPTION_KEY: 'ab'.repeat(32),
      }).tokenCache.encryptionKey,
    ).toBe('ab'.repeat(32));
    // Memory only, or outside production: derived from the client secret when unset.
    expect(loadConfig(PRODUCTION).tokenCache.encryptionKey).toBeUndefined();
    expect(
      loadConfig({ REDIS_URL: 'redis://redis:6379' }).tokenCache.encryptionKey,
    ).toBeUndefined();
  });

  it('requires TOKEN_ENCRYPTION_KEY in production with a Redis Cluster or Sentinel too', () => {
    expect(problemsOf({ ...PRODUCTION, REDIS_CLUSTER_NODES: 'a:6379,b:6379' })[0]).toMatch(
      /^TOKEN_ENCRYPTION_KEY: required in production with REDIS_CLUSTER_NODES/,
    );
    expect(
      problemsOf({ ...PRODUCTION, REDIS_SENTINELS: 's1:26379', REDIS_SENTINEL_MASTER: 'm' })[0],
    ).toMatch(/^TOKEN_ENCRYPTION_KEY: required in production with REDIS_SENTINELS/);
  });

  it('reads Redis as one URL, a cluster or a sentinel set, and refuses more than one', () => {
    expect(loadConfig({ REDIS_URL: 'rediss://cache.example:6380' }).redis).toMatchObject({
      url: 'rediss://cache.example:6380',
      connection: { mode: 'standalone', url: 'rediss://cache.example:6380' },
      tls: { enabled: true },
    });
    expect(
      loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:6379, 10.0.0.2:6379,[::1]:7000' }).redis,
    ).toMatchObject({
      url: undefined,
      connection: {
        mode: 'cluster',
        nodes: [
          { host: '10.0.0.1', port: 6379 },
          { host: '10.0.0.2', port: 6379 },
          { host: '::1', port: 7000 },
        ],
      },
      tls: { enabled: false },
    });
    expect(
      loadConfig({ REDIS_CLUSTER_NODES: 'rediss://c1.example:6379,rediss://c2.example:6379' }).redis
        .tls.enabled,
    ).toBe(true);
    expect(
      loadConfig({ REDIS_SENTINELS: 's1:26379,s2:26379', REDIS_SENTINEL_MASTER: 'mymaster' }).redis
        .connection,
    ).toEqual({
      mode: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
      ],
      masterName: 'mymaster',
    });
    expect(
      problemsOf({
        REDIS_URL: 'redis://r:6379',
        REDIS_CLUSTER_NODES: 'a:1',
        REDIS_SENTINELS: 's:2',
        REDIS_SENTINEL_MASTER: 'm',
      }),
    ).toEqual([
      'REDIS_URL and REDIS_CLUSTER_NODES and REDIS_SENTINELS: more than one way to reach Redis; set only one of them',
    ]);
    expect(
      problemsOf({
        REDIS_URL: 'redis://r:6379',
        REDIS_SENTINELS: 's:2',
        REDIS_SENTINEL_MASTER: 'm',
      }),
    ).toEqual([
      'REDIS_URL and REDIS_SENTINELS: more than one way to reach Redis; set only one of them',
    ]);
    expect(problemsOf({ REDIS_SENTINELS: 's:26379' })).toEqual([
      'REDIS_SENTINEL_MASTER: required with REDIS_SENTINELS: the name of the master the sentinels monitor',
    ]);
    expect(problemsOf({ REDIS_SENTINEL_MASTER: 'm' })).toEqual([
      'REDIS_SENTINEL_MASTER: set without REDIS_SENTINELS',
    ]);
    expect(problemsOf({ REDIS_CLUSTER_NODES: 'a:6379,nonsense' })).toEqual([
      'REDIS_CLUSTER_NODES: must be host:port items separated by commas (rediss://host:port for TLS)',
    ]);
    expect(problemsOf({ REDIS_CLUSTER_NODES: 'redis://a:1,rediss://b:2' })).toEqual([
      'REDIS_CLUSTER_NODES: mixes redis:// and rediss:// nodes; use one for all',
    ]);
  });

  it('takes Redis TLS files and credentials, and refuses ones that do not fit together, never echoing a password', () => {
    expect(
      loadConfig({
        REDIS_URL: 'rediss://r.example:6380',
        REDIS_TLS_CA_FILE: '/etc/redis/ca.pem',
        REDIS_TLS_CERT_FILE: '/etc/redis/client.pem',
        REDIS_TLS_KEY_FILE: '/etc/redis/client.key',
        REDIS_USERNAME: 'gateway',
        REDIS_PASSWORD_FILE: '/run/secrets/redis-password',
      }).redis,
    ).toMatchObject({
      tls: {
        enabled: true,
        caFile: '/etc/redis/ca.pem',
        certFile: '/etc/redis/client.pem',
        keyFile: '/etc/redis/client.key',
      },
      username: 'gateway',
      passwordFile: '/run/secrets/redis-password',
    });
    // TLS files turn TLS on for cluster nodes written host:port.
    expect(
      loadConfig({ REDIS_CLUSTER_NODES: 'a:6379', REDIS_TLS_CA_FILE: '/ca.pem' }).redis.tls.enabled,
    ).toBe(true);
    expect(problemsOf({ REDIS_URL: 'redis://r:6379', REDIS_TLS_CA_FILE: '/ca.pem' })).toEqual([
      'REDIS_URL: is redis:// (no TLS) but REDIS_TLS_* files are set; use a rediss:// URL',
    ]);
    expect(
      problemsOf({ REDIS_URL: 'rediss://r:6380', REDIS_TLS_CERT_FILE: '/client.pem' }),
    ).toEqual(['REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE: a client certificate needs both']);
    const secret = 'hunter2-in-the-url';
    const problems = problemsOf({
      REDIS_URL: `rediss://user:${secret}@r:6380`,
      REDIS_PASSWORD: 'another-secret-value',
      REDIS_PASSWORD_FILE: '/run/secrets/redis',
    });
    expect(problems).toEqual([
      'REDIS_PASSWORD and REDIS_PASSWORD_FILE: two sources of the Redis password; set only one of them',
      'REDIS_URL and REDIS_PASSWORD: the URL holds a password too; set only one of them',
    ]);
    expect(problems.join('\n')).not.toContain(secret);
    expect(problems.join('\n')).not.toContain('another-secret-value');
  });

  it('takes TOKEN_ENCRYPTION_KEY as 32 bytes in hex or base64, nothing else', () => {
    const bytes = Buffer.alloc(32, 0xfb);
    const accepted = [
      bytes.toString('hex'),
      bytes.toString('hex').toUpperCase(),
      bytes.toString('base64'),
      bytes.toString('base64').replace(/=$/, ''),
      bytes.toString('base64url'),
    ];
    for (const key of accepted) {
      expect(
        loadConfig({ ...PRODUCTION, TOKEN_ENCRYPTION_KEY: key }).tokenCache.encryptionKey,
      ).toBe(key);
      expect(decodeEncryptionKey(key)).toEqual(bytes);
    }
    const refused = [
      'ab'.repeat(31), // 31 bytes in hex
      `${'ab'.repeat(32)}0`, // 65 hex characters
      Buffer.alloc(31, 1).toString('base64'),
      Buffer.alloc(33, 1).toString('base64'),
      `${bytes.toString('base64').slice(0, -2)}!=`,
    ];
    for (const key of refused) {
      expect(decodeEncryptionKey(key)).toBeUndefined();
      expect(problemsOf({ ...PRODUCTION, TOKEN_ENCRYPTION_KEY: key })).toEqual([
        'TOKEN_ENCRYPTION_KEY: must be 32 bytes, as 64 hex characters or base64',
      ]);
    }
  });
});

describe('HTTP_BODY_TIMEOUT_MS', () => {
  it('defaults to 10 seconds and takes whole milliseconds from 100 to 300000', () => {
    expect(loadConfig({}).http.bodyTimeoutMs).toBe(10_000);
    expect(loadConfig({ HTTP_BODY_TIMEOUT_MS: ' ' }).http.bodyTimeoutMs).toBe(10_000);
    expect(loadConfig({ HTTP_BODY_TIMEOUT_MS: '100' }).http.bodyTimeoutMs).toBe(100);
    expect(loadConfig({ HTTP_BODY_TIMEOUT_MS: '300000' }).http.bodyTimeoutMs).toBe(300_000);
    expect(loadConfig({ HTTP_BODY_TIMEOUT_MS: '2500' }).http.bodyTimeoutMs).toBe(2_500);
  });

  it.each(['99', '0', '-1', '300001', '1500.5', '10s', 'Infinity'])('refuses %j', (value) => {
    const problems = problemsOf({ HTTP_BODY_TIMEOUT_MS: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^HTTP_BODY_TIMEOUT_MS: /);
  });
});

describe('METRICS_PORT', () => {
  it('defaults to 9464, set or not is known, 0 picks a free port', () => {
    expect(loadConfig({}).network.metrics).toEqual({ port: 9464, portSet: false });
    expect(loadConfig({ METRICS_PORT: '9100' }).network.metrics).toEqual({
      port: 9100,
      portSet: true,
    });
    expect(loadConfig({ METRICS_PORT: '0' }).network.metrics).toEqual({ port: 0, portSet: true });
  });

  it.each(['abc', '-1', '65536', '1.5'])('refuses %p naming METRICS_PORT', (value) => {
    const problems = problemsOf({ METRICS_PORT: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^METRICS_PORT: /);
  });
});
