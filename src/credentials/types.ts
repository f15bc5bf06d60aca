import type { CredentialSourceKind } from '../config';

/** The client credentials SEEK issues (the encrypted ZIP, or the Developer Dashboard). */
export interface SeekCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

/** How a source keeps the credentials at rest: SEEK's "stored securely", as doctor reports it. */
export interface StorageFinding {
  secure: boolean;
  /** One line saying where and how, e.g. "file mode 0440, group 2000 (the process's)". Never a value. */
  detail: string;
  /** What to change, when not secure. */
  hint?: string;
}

/**
 * One place the SEEK client credentials come from. Each source is a module of its own
 * (environment, secret file, JSON credentials file, AWS Secrets Manager, Azure Key Vault);
 * exactly one is configured. A CredentialProvider (provider.ts) reads it at start-up, bounds
 * every read, re-reads on rotation and keeps the last good credentials when a read fails.
 */
export interface CredentialSource {
  readonly kind: CredentialSourceKind;
  /**
   * Where the credentials come from, naming the variable that configures it, e.g.
   * "AWS Secrets Manager (SEEK_CREDENTIALS_AWS_SECRET_ID)". For logs, errors and doctor.
   */
  readonly description: string;
  /** What to check when auth.seek.com rejects what this source holds. */
  readonly whatToCheck: string;
  /** False when a re-read can never see anything new (the environment): no periodic re-read. */
  readonly rereadable: boolean;
  /**
   * Reads the credentials now. Rejects with a CredentialsError that names the variable or
   * field at fault and never a value. `signal` aborts a read that outlived its bound.
   */
  read(signal: AbortSignal): Promise<SeekCredentials>;
  /** How the credentials are kept at rest (doctor's "stored securely"). */
  storage(): Promise<StorageFinding>;
  /** Releases what the source holds open (an SDK client and its sockets). */
  close(): void;
}

/**
 * The credentials could not be read, or what was read is not usable. The message names the
 * variable or the field to fix, and never holds a value from the source.
 */
export class CredentialsError extends Error {
  override name = 'CredentialsError';
}

export const sameCredentials = (a: SeekCredentials, b: SeekCredentials): boolean =>
  a.clientId === b.clientId && a.clientSecret === b.clientSecret;
