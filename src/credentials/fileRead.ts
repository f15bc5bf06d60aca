import { readFile, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';

import { describeFileMode, FILE_MODE_HINT, fileModeProblem } from './fileMode';
import { CredentialsError, type StorageFinding } from './types';

const MAX_BYTES = 64 * 1024;

const codeOf = (error: unknown) => (error as NodeJS.ErrnoException).code ?? 'error';

/**
 * A credentials file's status and text. Problems become CredentialsErrors naming `variable`
 * and the path (a path is no secret), with the errno code; an abort passes through as is.
 */
export const readCredentialFile = async (
  variable: string,
  path: string,
  signal: AbortSignal,
): Promise<{ stats: Stats; text: string }> => {
  let stats: Stats;
  try {
    stats = await stat(path);
  } catch (error) {
    throw new CredentialsError(`${variable}: ${path} cannot be read (${codeOf(error)})`);
  }
  if (!stats.isFile()) throw new CredentialsError(`${variable}: ${path} is not a file`);
  if (stats.size > MAX_BYTES) {
    throw new CredentialsError(`${variable}: ${path} is larger than ${MAX_BYTES} bytes`);
  }
  try {
    return { stats, text: await readFile(path, { encoding: 'utf8', signal }) };
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new CredentialsError(`${variable}: ${path} cannot be read (${codeOf(error)})`);
  }
};

/** How a credentials file is kept (doctor's "stored securely"): the file-mode rule. */
export const fileStorage = async (variable: string, path: string): Promise<StorageFinding> => {
  let stats: Stats;
  try {
    stats = await stat(path);
  } catch (error) {
    return {
      secure: false,
      detail: `${path} cannot be read (${codeOf(error)})`,
      hint: `check ${variable}`,
    };
  }
  const problem = fileModeProblem(stats);
  return problem
    ? { secure: false, detail: `${path} is ${problem}`, hint: FILE_MODE_HINT }
    : { secure: true, detail: `file ${path}, ${describeFileMode(stats)}` };
};
