// Static checks of the container files: no Docker engine runs here, so the Dockerfile, the
// compose files and the nginx config are parsed and checked against the project's contract.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

import { CONFIG_VARIABLES } from '../src/config';

const root = join(__dirname, '..');
const read = (file: string): string => readFileSync(join(root, file), 'utf8');

// The gateway's environment contract: every variable its configuration reads.
const ENV_VARS = new Set(CONFIG_VARIABLES);

const PRODUCTION_COMPOSE_FILES = ['docker-compose.yml', 'docker-compose.replicas.yml'] as const;

const COMPOSE_FILES = [
  'docker-compose.yml',
  'docker-compose.simulator.yml',
  'docker-compose.replicas.yml',
] as const;

interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | number)[];
  expose?: (string | number)[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string[] | string };
  profiles?: string[];
  deploy?: { replicas?: number };
  restart?: string;
  configs?: ({ source: string; target?: string } | string)[];
  secrets?: ({ source: string; target?: string } | string)[];
}

interface ComposeFile {
  services: Record<string, Service>;
  configs?: Record<string, { file?: string; content?: string }>;
  secrets?: Record<string, { file?: string; environment?: string }>;
}

const loadCompose = (file: string): ComposeFile => parse(read(file)) as ComposeFile;

/** A service's environment as a map; a key without value is passed through from the host. */
function envOf(service: Service): Record<string, string | null> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const eq = entry.indexOf('=');
        return eq < 0 ? [entry, null] : [entry.slice(0, eq), entry.slice(eq + 1)];
      }),
    );
  }
  return Object.fromEntries(
    Object.entries(env).map(([key, value]) => [key, value === null ? null : String(value)]),
  );
}

function dependsOn(service: Service): Record<string, string | undefined> {
  const deps = service.depends_on ?? {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((name) => [name, undefined]));
  return Object.fromEntries(Object.entries(deps).map(([name, dep]) => [name, dep.condition]));
}

function service(compose: ComposeFile, name: string): Service {
  const found = compose.services[name];
  if (!found) throw new Error(`service ${name} missing`);
  return found;
}

/** `${VAR}`, `${VAR:-x}`, `${VAR:?msg}` ... (a `$$` is an escaped dollar, not a variable). */
function interpolatedVars(text: string): string[] {
  const unescaped = text.replace(/\$\$/g, '');
  return [...unescaped.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}/g)].map((m) => m[1]!);
}

function expectRedisStore(compose: ComposeFile): void {
  const redis = service(compose, 'redis');
  expect(redis.image).toBe('redis:7-alpine');
  // Persistence off: no RDB snapshots, no AOF.
  expect(redis.command).toEqual(['redis-server', '--save', '', '--appendonly', 'no']);
  expect([redis.healthcheck?.test ?? []].flat().join(' ')).toMatch(/redis-cli ping/);
}

function expectGatewayUsesRedis(compose: ComposeFile, name: string): void {
  const gateway = service(compose, name);
  const url = new URL(envOf(gateway).REDIS_URL ?? '');
  expect(url.protocol).toBe('redis:');
  expect(url.hostname).toBe('redis');
  expect(url.port || '6379').toBe('6379');
  expect(compose.services[url.hostname]).toBeDefined();
  expect(dependsOn(gateway)).toMatchObject({ redis: 'service_healthy' });
}

describe('Dockerfile', () => {
  const text = read('Dockerfile');
  // Logical instructions: comments dropped, `\` continuations joined.
  const instructions = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
  const stages: { from: string; body: typeof instructions }[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') stages.push({ from: instruction.args, body: [] });
    else stages.at(-1)?.body.push(instruction);
  }
  const finalStage = stages.at(-1)!;
  const last = (keyword: string) => finalStage.body.filter((i) => i.keyword === keyword).at(-1);
  const runs = instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);

  it('is multi-stage on a Node LTS alpine image', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const nodeImage = /ARG NODE_IMAGE=(\S+)/.exec(text)?.[1];
    for (const stage of stages) {
      const image = stage.from.split(/\s+/)[0]!.replace('${NODE_IMAGE}', nodeImage ?? '');
      expect(image).toMatch(/^node:(22|24)-alpine$/);
    }
  });

  it('builds with npm ci + npm run build and installs only production deps for runtime', () => {
    expect(runs.some((r) => /\bnpm ci\b/.test(r) && !/--omit=dev/.test(r))).toBe(true);
    expect(runs.some((r) => /\bnpm run build\b/.test(r))).toBe(true);
    expect(runs.some((r) => /\bnpm ci\b.*--omit=dev|\bnpm prune\b.*--omit=dev/.test(r))).toBe(true);
  });

  it('ships only dist/, schema/, node_modules and package.json in the runtime stage', () => {
    const copied = finalStage.body
      .filter((i) => i.keyword === 'COPY')
      .map((i) => {
        const parts = i.args.split(/\s+/).filter((p) => !p.startsWith('--'));
        return parts.slice(0, -1).map((src) => src.replace(/^\/app\//, '').replace(/\/$/, ''));
      })
      .flat();
    expect(new Set(copied)).toEqual(new Set(['dist', 'schema', 'node_modules', 'package.json']));
  });

  it('runs as a non-root user in production mode', () => {
    const user = last('USER')?.args.split(':')[0];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(
      finalStage.body.some((i) => i.keyword === 'ENV' && /NODE_ENV=production/.test(i.args)),
    ).toBe(true);
    expect(last('EXPOSE')?.args).toBe('4000');
  });

  it('has a HEALTHCHECK that probes /health with node (no curl on alpine)', () => {
    const healthcheck = last('HEALTHCHECK')?.args ?? '';
    expect(healthcheck).toMatch(/\bCMD\b/);
    expect(healthcheck).toMatch(/\["node", "-e"|^.*CMD node -e/);
    expect(healthcheck).toContain('/health');
    expect(healthcheck).toContain('process.env.PORT||4000');
    expect(healthcheck).not.toMatch(/curl|wget/);
  });

  it('starts node directly (no npm as PID 1, so SIGTERM reaches node)', () => {
    expect(last('STOPSIGNAL')?.args).toBe('SIGTERM');
    expect(finalStage.body.some((i) => i.keyword === 'ENTRYPOINT')).toBe(false);
    const cmd = JSON.parse(last('CMD')?.args ?? 'null') as string[];
    expect(Array.isArray(cmd)).toBe(true);
    expect(cmd[0]).toBe('node');
    expect(cmd).not.toContain('npm');

    const pkg = JSON.parse(read('package.json')) as {
      main?: string;
      scripts?: Record<string, string>;
    };
    const start = pkg.scripts?.start;
    expect(start).toMatch(/^node /);
    expect(cmd.slice(1).join(' ')).toBe(start!.replace(/^node /, ''));
    // Node flags (e.g. the young-generation cap) come before the script, which is package.json's main.
    if (pkg.main) expect(cmd[cmd.length - 1]).toBe(pkg.main);
  });

  it('.dockerignore keeps local state and secrets out of the build context', () => {
    const ignored = read('.dockerignore')
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    for (const entry of [
      'node_modules',
      'dist',
      '.git',
      'coverage',
      'bench/results*',
      '*.log',
      '.env*',
    ]) {
      expect(ignored).toContain(entry);
    }
    // ...but nothing the build stage copies.
    for (const needed of [
      'src',
      'scripts',
      'schema',
      'package.json',
      'package-lock.json',
      'tsconfig.json',
    ]) {
      expect(ignored).not.toContain(needed);
    }
  });
});

describe('docker-compose.yml (production)', () => {
  const compose = loadCompose('docker-compose.yml');

  it('runs redis and the gateway', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['gateway', 'redis']);
    expectRedisStore(compose);
  });

  it('builds the gateway, publishes 4000 and points it at the redis service', () => {
    const gateway = service(compose, 'gateway');
    expect(gateway.build).toBe('.');
    expect(gateway.ports).toContain('4000:4000');
    expect(gateway.restart).toBe('unless-stopped');
    expectGatewayUsesRedis(compose, 'gateway');
  });

  it('runs in production mode and requires the SEEK credentials from the host', () => {
    const env = envOf(service(compose, 'gateway'));
    expect(env.NODE_ENV).toBe('production');
    expect(env.SEEK_CLIENT_ID).toMatch(/^\$\{SEEK_CLIENT_ID:\?.+\}$/);
  });
});

describe.each(PRODUCTION_COMPOSE_FILES)('%s: the production gateway', (file) => {
  const compose = loadCompose(file);
  const text = read(file);
  const gateway = service(compose, 'gateway');
  const env = envOf(gateway);
  const omitted = [...text.matchAll(/^\s*# omitted ([A-Za-z_][A-Za-z0-9_]*): \S/gm)].map(
    (match) => match[1]!,
  );

  it('lists every variable the configuration reads, or says why it is omitted', () => {
    for (const name of CONFIG_VARIABLES) {
      expect({ name, listed: name in env || omitted.includes(name) }).toEqual({
        name,
        listed: true,
      });
    }
    for (const name of omitted) {
      expect(ENV_VARS).toContain(name);
      expect(env).not.toHaveProperty(name);
    }
    expect(new Set(omitted).size).toBe(omitted.length);
  });

  it('gets the client secret as a compose secret file, never as environment', () => {
    expect(env).not.toHaveProperty('SEEK_CLIENT_SECRET');
    expect(omitted).toContain('SEEK_CLIENT_SECRET');
    expect(text).not.toMatch(/\$\{SEEK_CLIENT_SECRET\b/);
    expect(gateway.secrets).toEqual(['seek_client_secret']);
    expect(env.SEEK_CLIENT_SECRET_FILE).toBe('/run/secrets/seek_client_secret');
    const secret = compose.secrets?.seek_client_secret;
    expect(secret?.file).toBe('./secrets/seek_client_secret');
    expect(secret?.environment).toBeUndefined();
    // The secret's file is kept out of git and of the build context.
    expect(read('.gitignore').split(/\r?\n/)).toContain('secrets/');
    expect(read('.dockerignore').split(/\r?\n/)).toContain('secrets');
  });

  it('serves METRICS_PORT on the compose network only', () => {
    expect(env.METRICS_PORT).toBe('9464');
    expect((gateway.expose ?? []).map(String)).toContain('9464');
    for (const port of gateway.ports ?? []) expect(String(port)).not.toMatch(/9464/);
  });
});

describe('docker-compose.simulator.yml (embedded SEEK simulator)', () => {
  const compose = loadCompose('docker-compose.simulator.yml');

  it('runs redis and gateway-sim from the Dockerfile simulator target', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['gateway-sim', 'redis']);
    expectRedisStore(compose);
    const sim = service(compose, 'gateway-sim');
    // The simulator image is its own target: the production image holds no simulator code.
    expect(sim.build).toEqual({ context: '.', target: 'simulator' });
    expect(sim.image).not.toBe(service(loadCompose('docker-compose.yml'), 'gateway').image);
    expect(sim.ports).toContain('4000:4000');
    expectGatewayUsesRedis(compose, 'gateway-sim');
  });

  it('runs in development mode with no SEEK credentials', () => {
    const env = envOf(service(compose, 'gateway-sim'));
    expect(env.NODE_ENV).toBe('development');
    for (const key of Object.keys(env)) expect(key).not.toMatch(/^SEEK_CLIENT_/);
  });
});

describe('docker-compose.replicas.yml (replicas behind one port)', () => {
  const compose = loadCompose('docker-compose.replicas.yml');

  it('runs several gateway replicas without host ports, sharing redis', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['gateway', 'lb', 'redis']);
    expectRedisStore(compose);
    const gateway = service(compose, 'gateway');
    expect(gateway.deploy?.replicas).toBe(3);
    expect(gateway.ports).toBeUndefined();
    expectGatewayUsesRedis(compose, 'gateway');
    expect(envOf(gateway).NODE_ENV).toBe('production');
  });

  it('balances port 4000 over the replicas with nginx', () => {
    const lb = service(compose, 'lb');
    expect(lb.image).toMatch(/^nginx:.*alpine$/);
    expect(lb.ports).toEqual(['4000:4000']);
    expect(dependsOn(lb)).toHaveProperty('gateway');

    const mount = lb.configs?.find((c) => typeof c !== 'string' && c.source === 'nginx_conf');
    expect(mount).toMatchObject({ target: '/etc/nginx/conf.d/default.conf' });
    const file = compose.configs?.nginx_conf?.file;
    expect(file).toBe('./deploy/nginx.conf');
    expect(existsSync(join(root, file!))).toBe(true);

    const conf = read(file!);
    expect(conf).toMatch(/server\s+gateway:4000\b/);
    expect(conf).toMatch(/listen\s+4000;/);
    expect(conf).toMatch(/proxy_pass\s+http:\/\/gateway;/);
  });

  it('nginx publishes /graphql, /health and /attachments only, not /metrics or /ready', () => {
    const conf = read('deploy/nginx.conf').replace(/#.*$/gm, '');
    const locations = [...conf.matchAll(/location\s+([^{]*?)\s*\{([^}]*)\}/g)].map((match) => ({
      match: match[1]!.trim(),
      body: match[2]!,
    }));
    const proxied = locations
      .filter((location) => /proxy_pass\s+http:\/\/gateway;/.test(location.body))
      .map((location) => location.match);
    expect(proxied.sort()).toEqual(['= /attachments', '= /graphql', '= /health']);
    // Everything else, /metrics and /ready among it, ends at nginx.
    const fallback = locations.find((location) => location.match === '/');
    expect(fallback?.body).toMatch(/return\s+404\b/);
    expect(conf).not.toMatch(/\/metrics|\/ready/);
  });
});

describe('all compose files', () => {
  it.each(COMPOSE_FILES)('%s reads only contract variables from the host', (file) => {
    const text = read(file);
    for (const name of interpolatedVars(text)) expect(ENV_VARS).toContain(name);
    // No bare `$VAR` interpolation either (only `${VAR}` forms, or escaped `$$`).
    expect(text.replace(/\$\$/g, '')).not.toMatch(/\$[A-Za-z_]/);

    for (const svc of Object.values(loadCompose(file).services)) {
      for (const key of Object.keys(envOf(svc))) expect(ENV_VARS).toContain(key);
    }
  });

  it.each(COMPOSE_FILES)('%s: no profile-gated service beside required variables', (file) => {
    // Compose interpolates the whole file before selecting profiles, so a `${X:?}` in one
    // service would abort `--profile ...` runs of any other service in the same file.
    const compose = loadCompose(file);
    const profiled = Object.values(compose.services).some((svc) => (svc.profiles ?? []).length > 0);
    const required = /\$\{[A-Za-z_][A-Za-z0-9_]*:?\?/.test(read(file));
    expect(profiled && required).toBe(false);
  });

  it.each(COMPOSE_FILES)(
    '%s runs gateways with an init process, a grace period and a fixed PORT',
    (file) => {
      const compose = loadCompose(file);
      for (const [name, svc] of Object.entries(compose.services)) {
        if (!name.startsWith('gateway')) continue;
        const extra = svc as Service & { init?: boolean; stop_grace_period?: string };
        expect(extra.init).toBe(true);
        // Docker's SIGKILL must come after the gateway's own 10s graceful shutdown.
        expect(extra.stop_grace_period).toBe('15s');
        expect(envOf(svc).PORT).toBe('4000');
      }
    },
  );
});
