import { readFileSync, statSync, watch, type FSWatcher, type Stats } from 'node:fs';
import { basename, dirname } from 'node:path';

import { MIN_SERVICE_KEY_LENGTH } from '../config/groups/serviceKeys';
import type { Logger } from '../observability/logger';
import type { NamedServiceKey } from './serviceKeys';

/** A name fit for a log field and a metric label. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** A file larger than this is not a keys file (and is not read into memory). */
const MAX_FILE_BYTES = 1_048_576;
const MAX_KEYS = 10_000;

export type ParsedKeys = { keys: NamedServiceKey[] } | { error: string };

/**
 * `name=key` a line; blank lines and lines starting with `#` are skipped. One name may hold
 * several keys (a key being rotated: the new one added, the service moved, the old removed);
 * one key may not have two names. An error names the line, never the key.
 */
export const parseServiceKeysFile = (text: string): ParsedKeys => {
  const keys: NamedServiceKey[] = [];
  const nameOfKey = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const at = `line ${index + 1}`;
    const equals = line.indexOf('=');
    if (equals < 0) return { error: `${at}: not name=key` };
    const name = line.slice(0, equals).trim();
    const key = line.slice(equals + 1).trim();
    if (!NAME.test(name))
      return {
        error: `${at}: the name must be 1-64 of A-Z a-z 0-9 . _ - (starting with a letter or digit)`,
      };
    if (key.length < MIN_SERVICE_KEY_LENGTH)
      return {
        error: `${at}: the key of "${name}" is shorter than ${MIN_SERVICE_KEY_LENGTH} characters`,
      };
    if (/\s/.test(key)) return { error: `${at}: the key of "${name}" contains whitespace` };
    const other = nameOfKey.get(key);
    if (other !== undefined && other !== name)
      return { error: `${at}: the key of "${name}" is also the key of "${other}"` };
    nameOfKey.set(key, name);
    keys.push({ name, key });
    if (keys.length > MAX_KEYS) return { error: `more than ${MAX_KEYS} keys` };
  }
  return { keys };
};

/** Reads and parses the file; an error says why, naming the file and line, never a key. */
export const readServiceKeysFile = (path: string): ParsedKeys => {
  let text: string;
  try {
    if (statSync(path).size > MAX_FILE_BYTES)
      return { error: `larger than ${MAX_FILE_BYTES} bytes` };
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return { error: `cannot read it (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})` };
  }
  return parseServiceKeysFile(text);
};

export interface ServiceKeysFileWatch {
  close(): void;
}

const sameFile = (a: Stats | undefined, b: Stats | undefined) =>
  a !== undefined &&
  b !== undefined &&
  a.ino === b.ino &&
  a.size === b.size &&
  a.mtimeMs === b.mtimeMs &&
  a.ctimeMs === b.ctimeMs;

const statOrUndefined = (path: string) => {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
};

/**
 * Calls `onKeys` with the file's keys each time it changes. fs.watch on the file's folder
 * notices an edit, a replacement by rename and a Kubernetes Secret's symlink swap at once; a
 * stat every `pollMs` catches what a watch misses (network file systems, a watch that died).
 * A file that does not parse keeps the last good keys in use, and the log says why.
 */
export const watchServiceKeysFile = (options: {
  path: string;
  onKeys: (keys: NamedServiceKey[]) => void;
  logger: Logger;
  pollMs: number;
}): ServiceKeysFileWatch => {
  const { path, logger } = options;
  let seen = statOrUndefined(path);
  let pending: NodeJS.Timeout | undefined;
  const reload = () => {
    const now = statOrUndefined(path);
    if (sameFile(seen, now)) return;
    seen = now;
    const parsed = readServiceKeysFile(path);
    if ('error' in parsed) {
      logger.warn(
        { file: path, reason: parsed.error },
        'GATEWAY_API_KEYS_FILE not reloaded; the last good keys stay in use',
      );
      return;
    }
    options.onKeys(parsed.keys);
    logger.info(
      { file: path, services: [...new Set(parsed.keys.map((key) => key.name))] },
      'service keys reloaded',
    );
  };
  // Several events come for one save: read once, shortly after the last.
  const soon = () => {
    clearTimeout(pending);
    pending = setTimeout(reload, 50);
    pending.unref();
  };
  let watcher: FSWatcher | undefined;
  try {
    const name = basename(path);
    watcher = watch(dirname(path), { persistent: false }, (_event, changed) => {
      // A Secret's files are symlinks into a folder that is swapped: any change may be ours.
      if (changed === null || changed === name || changed.startsWith('..')) soon();
    });
    watcher.on('error', () => undefined); // the stat below still notices changes
  } catch {
    watcher = undefined;
  }
  const poll = setInterval(reload, options.pollMs);
  poll.unref();
  return {
    close() {
      clearTimeout(pending);
      clearInterval(poll);
      watcher?.close();
    },
  };
};
