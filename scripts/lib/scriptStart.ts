/**
 * How the scripts that talk to SEEK start: the gateway's configuration from the environment (a
 * bad one is one message and exit 1, under the script's name) and a logger on stderr, so stdout
 * holds only the script's result.
 */
import pino from 'pino';

import { ConfigError, loadConfig, type Config } from '../../src/config';
import { createLogger, type Logger } from '../../src/observability/logger';

export const startScript = (name: string): { config: Config; logger: Logger } => {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${name}: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger({
    level: config.logLevel,
    destination: pino.destination({ dest: 2, sync: true }),
  });
  return { config, logger };
};
