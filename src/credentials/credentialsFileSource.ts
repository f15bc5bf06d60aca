import type { CredentialSourceConfig } from '../config';
import { parseCredentialsJson } from './credentialsJson';
import { FILE_MODE_HINT, fileModeProblem } from './fileMode';
import { describeSource } from './describe';
import { fileStorage, readCredentialFile } from './fileRead';
import { CredentialsError, type CredentialSource } from './types';

/**
 * SEEK_CREDENTIALS_FILE: `{"client_id": "…", "client_secret": "…"}` in a file. In production
 * it is refused when readable by every user, or by a group that is not one of the process's own
 * (see fileMode.ts), at start-up and at every re-read.
 */
export const createCredentialsFileSource = (
  config: Extract<CredentialSourceConfig, { kind: 'credentials-file' }>,
  options: { production: boolean },
): CredentialSource => ({
  kind: 'credentials-file',
  ...describeSource(config),
  rereadable: true,
  async read(signal) {
    const { stats, text } = await readCredentialFile('SEEK_CREDENTIALS_FILE', config.file, signal);
    const problem = options.production ? fileModeProblem(stats) : undefined;
    if (problem) {
      throw new CredentialsError(
        `SEEK_CREDENTIALS_FILE: ${config.file} is ${problem}, which production refuses: ${FILE_MODE_HINT}`,
      );
    }
    return parseCredentialsJson(text, `SEEK_CREDENTIALS_FILE (${config.file})`);
  },
  storage: () => fileStorage('SEEK_CREDENTIALS_FILE', config.file),
  close: () => undefined,
});
