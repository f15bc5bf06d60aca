/**
 * The embedded default, in an entry of its own: with no SEEK credentials outside production,
 * start the built-in SEEK simulator, point the config at it, and make a development service key
 * and user JWT for Apollo Sandbox.
 *
 * scripts/bundle.mjs bundles this file into dist/dev.js, apart from dist/gateway.bundle.js, and the
 * production image leaves dist/dev.js out: the production entry holds none of the simulator's
 * code. src/main.ts loads this module at run time, by a path the bundler does not follow, and
 * only when the config says embedded default.
 */
import { randomBytes } from 'node:crypto';

import type { Config } from '../config';
import type { Logger } from '../observability/logger';
import { startSeekSimulator } from '../seek/simulator';
import {
  DEV_JWT_AUDIENCE,
  DEV_JWT_ISSUER,
  mintUserJwt,
  randomJwtSecret,
  randomServiceKey,
} from './devCredentials';

export interface EmbeddedDefault {
  /** The config, pointed at the simulator, with the development credentials filled in. */
  config: Config;
  /** Apollo Sandbox starts with the development service key. */
  sandboxHeaders: Record<string, string>;
  /** The simulator's hirers (doctor suggests one for DOCTOR_HIRER_ID). */
  hirerIds: string[];
  /** Stops the simulator. */
  close(): Promise<void>;
}

export interface EmbeddedDefaultOptions {
  /** Print nothing on stdout (the banner with the development key): `npm run doctor -- --json`. */
  quiet?: boolean;
}

export const startEmbeddedDefault = async (
  config: Config,
  logger: Logger,
  options: EmbeddedDefaultOptions = {},
): Promise<EmbeddedDefault> => {
  // Credentials of this start only: a simulator's tokens are valid at that simulator alone, so
  // with REDIS_URL set its cache namespace (per client ID) must not meet an earlier start's.
  const simulator = await startSeekSimulator({
    audience: config.seek.audience,
    clientId: `embedded-${randomBytes(6).toString('hex')}`,
    clientSecret: randomBytes(24).toString('base64url'),
  });
  const serviceKey = config.serviceKeys[0] ?? randomServiceKey();
  const jwtSecret = config.auth.secret ?? randomJwtSecret();
  const auth =
    config.auth.issuer && config.auth.audience
      ? config.auth
      : {
          ...config.auth,
          issuer: DEV_JWT_ISSUER,
          audience: DEV_JWT_AUDIENCE,
          secret: jwtSecret,
          jwksUrl: undefined,
        };
  const embedded: Config = {
    ...config,
    serviceKeys: config.serviceKeys.length > 0 ? config.serviceKeys : [serviceKey],
    auth,
    seek: {
      ...config.seek,
      apiUrl: simulator.graphqlUrl,
      authUrl: simulator.authUrl,
      browserTokenUrl: simulator.browserTokenUrl,
    },
    // The simulator's made-up credentials, as if from the environment.
    credentials: {
      ...config.credentials,
      source: {
        kind: 'environment',
        clientId: simulator.clientId,
        clientSecret: simulator.clientSecret,
      },
    },
  };
  const hirer = simulator.hirers[0];
  const userToken =
    auth.secret && auth.issuer && auth.audience && hirer
      ? await mintUserJwt({
          secret: auth.secret,
          issuer: auth.issuer,
          audience: auth.audience,
          userId: 'dev-user-1',
          hirerIds: [hirer.id],
          hirerClaim: auth.hirerClaim,
        })
      : undefined;
  // The one place the gateway prints credentials: made-up ones, for the simulator only.
  logger.info(
    {
      mode: 'embedded-simulator',
      simulator: simulator.url,
      cache: config.redis.connection ? 'redis' : 'memory',
    },
    'running on the embedded default: built-in SEEK simulator (set SEEK_CLIENT_ID and SEEK_CLIENT_SECRET, or another credential source, to use SEEK)',
  );
  if (!options.quiet) {
    process.stdout.write(
      [
        '',
        '  Embedded default: SEEK simulator, development credentials (not for production).',
        `  Service key (Authorization: Bearer …): ${serviceKey}`,
        userToken ? `  User token for hirer ${hirer?.id}: ${userToken}` : '',
        '',
      ].join('\n') + '\n',
    );
  }
  return {
    config: embedded,
    sandboxHeaders: { Authorization: `Bearer ${serviceKey}` },
    hirerIds: simulator.hirers.map((candidate) => candidate.id),
    close: () => simulator.close(),
  };
};
