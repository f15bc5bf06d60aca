import type { Logger } from '../observability/logger';
import {
  createServiceKeyMatcher,
  namedEnvironmentKeys,
  type NamedServiceKey,
  type ServiceKeyMatcher,
} from './serviceKeys';
import { readServiceKeysFile, watchServiceKeysFile } from './serviceKeysFile';

export interface ServiceKeySet {
  /** The service whose key `bearer` is, under the keys in force now. */
  match: ServiceKeyMatcher;
  /** Told the service names in force each time the keys file brings a new key set. */
  onNamesChange(listener: (names: ReadonlySet<string>) => void): void;
  close(): void;
}

/** How often the keys file is looked at when no watch event came. */
const DEFAULT_POLL_MS = 5_000;

/**
 * The service keys in force: GATEWAY_API_KEYS (named env-1, env-2 …) and the named keys of
 * GATEWAY_API_KEYS_FILE together, so a deployment can move from the one to the other without
 * a gap. A key in both is known by its name in the file. The file is re-read when it changes;
 * at start-up a file that cannot be read or parsed stops the start.
 */
export const createServiceKeySet = (options: {
  environmentKeys: readonly string[];
  file: string | undefined;
  logger: Logger;
  /** @default 5000 */
  pollMs?: number;
}): ServiceKeySet => {
  const fromEnvironment = namedEnvironmentKeys(options.environmentKeys);
  const combine = (fromFile: readonly NamedServiceKey[]) => {
    const inFile = new Set(fromFile.map(({ key }) => key));
    return [...fromFile, ...fromEnvironment.filter(({ key }) => !inFile.has(key))];
  };
  const { file } = options;
  if (!file) {
    const match = createServiceKeyMatcher(fromEnvironment);
    return { match, onNamesChange: () => undefined, close: () => undefined };
  }
  const first = readServiceKeysFile(file);
  if ('error' in first) throw new Error(`GATEWAY_API_KEYS_FILE: ${file}: ${first.error}`);
  let current = createServiceKeyMatcher(combine(first.keys));
  const listeners: Array<(names: ReadonlySet<string>) => void> = [];
  const watcher = watchServiceKeysFile({
    path: file,
    logger: options.logger,
    pollMs: options.pollMs ?? DEFAULT_POLL_MS,
    onKeys: (keys) => {
      const combined = combine(keys);
      current = createServiceKeyMatcher(combined);
      const names = new Set(combined.map(({ name }) => name));
      for (const listener of listeners) listener(names);
    },
  });
  return {
    match: (bearer) => current(bearer),
    onNamesChange: (listener) => listeners.push(listener),
    close: () => watcher.close(),
  };
};
