/**
 * SEEK's schema from the embedded SEEK simulator, for `npm run schema:print` without SEEK
 * credentials. A module of its own so the production layout can leave it out with the rest of
 * the embedded default (scripts/bundle.mjs --set-aside-dev): nothing else in dist/scripts
 * holds simulator code.
 */
import type { GraphQLSchema } from 'graphql';

import type { Config } from '../../src/config';
import type { Logger } from '../../src/observability/logger';
import { startSeekSimulator } from '../../src/seek/simulator';
import { loadSeekSchema } from './seekSchema';

/** Starts the simulator for the purpose, introspects it as the gateway would, and closes it. */
export const embeddedSeekSchema = async (
  config: Config,
  logger: Logger,
): Promise<GraphQLSchema> => {
  const simulator = await startSeekSimulator({ audience: config.seek.audience });
  try {
    return await loadSeekSchema(
      {
        ...config,
        seek: {
          ...config.seek,
          apiUrl: simulator.graphqlUrl,
          authUrl: simulator.authUrl,
          schemaFile: undefined,
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
      },
      logger,
    );
  } finally {
    await simulator.close();
  }
};
