import type { GraphQLSchema } from 'graphql';

import { describeError, type Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { LoadedSchema } from './schemaSource';

/** SEEK's schema with the gateway's additions, in its two forms. */
export interface BuiltSchema {
  /** What clients see and the pipeline validates against. */
  api: GraphQLSchema;
  /** Executable schema for mixed operations (built on first use). */
  executable: () => GraphQLSchema;
}

export interface SchemaVersion extends BuiltSchema {
  /** Fingerprint of SEEK's schema source, to tell whether a polled schema changed. */
  fingerprint: string;
  /** Increases with every swap. */
  generation: number;
}

export interface SchemaManagerOptions {
  loadSeekSchema: () => Promise<LoadedSchema>;
  buildSchema: (seekSchema: GraphQLSchema) => BuiltSchema;
  /** Poll SEEK's schema this often; undefined: never. */
  pollMs: number | undefined;
  logger: Logger;
  metrics: Metrics;
}

/**
 * Owns SEEK's schema: loads it at start-up, polls it, and swaps a changed one in without
 * dropping requests (a request keeps the version it started with). The pipeline and the
 * Apollo adapter both read it from here.
 */
export const createSchemaManager = (options: SchemaManagerOptions) => {
  const { logger, metrics } = options;
  const listeners = new Set<(version: SchemaVersion) => void>();
  let version: SchemaVersion | undefined;
  let pollTimer: NodeJS.Timeout | undefined;
  let polling = false;

  const install = (loaded: LoadedSchema) => {
    const built = options.buildSchema(loaded.schema);
    version = {
      api: built.api,
      executable: built.executable,
      fingerprint: loaded.fingerprint,
      generation: (version?.generation ?? 0) + 1,
    };
    for (const listener of listeners) listener(version);
  };

  const poll = async () => {
    if (polling || !version) return;
    polling = true;
    try {
      const loaded = await options.loadSeekSchema();
      if (loaded.fingerprint === version.fingerprint) {
        metrics.schemaReloads.inc({ result: 'unchanged' });
        return;
      }
      // The new SDL is remembered only once the schema built: a failed build is retried next time.
      install(loaded);
      metrics.schemaReloads.inc({ result: 'updated' });
      logger.info(
        { generation: version.generation },
        'SEEK schema changed; swapped in the new one',
      );
    } catch (error) {
      metrics.schemaReloads.inc({ result: 'failed' });
      logger.warn(
        { err: describeError(error) },
        'SEEK schema poll failed; keeping the current schema',
      );
    } finally {
      polling = false;
    }
  };

  return {
    /** Loads the first schema (the loader retries) and starts polling. */
    async start() {
      install(await options.loadSeekSchema());
      if (options.pollMs) {
        pollTimer = setInterval(() => void poll(), options.pollMs);
        pollTimer.unref();
      }
    },
    stop() {
      clearInterval(pollTimer);
    },
    /** The schema in force, or undefined before the first load. */
    current: (): SchemaVersion | undefined => version,
    /** Called with every new version; returns the unsubscribe function. */
    onChange(listener: (version: SchemaVersion) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /** Polls once now (tests, and the interval). */
    poll,
  };
};

export type SchemaManager = ReturnType<typeof createSchemaManager>;
