import { CredentialsError, type CredentialSource, type SeekCredentials } from './types';

/**
 * One read of `source`, bounded by `timeoutMs` (SEEK_CREDENTIALS_TIMEOUT_MS): past it the read
 * is aborted and this rejects, whatever the store or its SDK does. Every failure is a
 * CredentialsError; anything else a source throws is reduced to its name, never its message.
 */
export const readBounded = async (
  source: CredentialSource,
  timeoutMs: number,
): Promise<SeekCredentials> => {
  const controller = new AbortController();
  const timedOut = new CredentialsError(
    `${source.description}: no answer within SEEK_CREDENTIALS_TIMEOUT_MS (${timeoutMs} ms)`,
  );
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(timedOut);
      controller.abort();
    }, timeoutMs);
  });
  try {
    return await Promise.race([source.read(controller.signal), timeout]);
  } catch (error) {
    // An aborted read may reject first, with the SDK's own AbortError: the cause is the bound.
    if (controller.signal.aborted) throw timedOut;
    if (error instanceof CredentialsError) throw error;
    throw new CredentialsError(
      `${source.description}: could not be read (${(error as Error)?.name ?? typeof error})`,
    );
  } finally {
    clearTimeout(timer);
  }
};
