import type { Config } from '../config';
import { SCOPE_PATTERN } from '../config';
import { ErrorCode, GatewayError } from '../errors';
import type { BrowserToken, BrowserTokenService } from '../tokens/browserTokens';
import type { RateLimiter } from '../protection/rateLimiter';
import type { GatewayContext } from './context';
import { scopeOfDocuments, type TrustedDocumentLookup } from '../documents/documentScopes';

export interface BrowserTokenArgs {
  hirerId: string;
  /** Exactly one of `scope` and `documents`. */
  scope?: string | null;
  documents?: readonly string[] | null;
  userId?: string | null;
  forceRefresh?: boolean | null;
}

const MAX_ID_BYTES = 255;
const MAX_SCOPES = 32;
// Printable ASCII only: hirer and user IDs are opaque identifiers, never free text.
const IDENTIFIER = /^[\x21-\x7e]+$/;

const checkIdentifier = (name: string, value: string) => {
  const bytes = Buffer.byteLength(value);
  if (bytes < 1 || bytes > MAX_ID_BYTES || !IDENTIFIER.test(value)) {
    throw new GatewayError(
      ErrorCode.BadUserInput,
      `${name} must be 1-${MAX_ID_BYTES} bytes of printable ASCII without spaces`,
      {
        argument: name,
      },
    );
  }
};

/**
 * Unique, sorted, space-separated; every token a valid scope and allowed here. `argument` names
 * what the scope came from in the errors (`documents`: the union of their scopes).
 */
export const normaliseScope = (
  scope: string,
  allowed: readonly string[] | undefined,
  argument: 'scope' | 'documents' = 'scope',
): string => {
  const tokens = [...new Set(scope.split(/\s+/).filter(Boolean))].sort();
  const from = argument === 'scope' ? 'scope' : 'the documents';
  if (tokens.length === 0 || tokens.length > MAX_SCOPES || scope.length > 2_048) {
    throw new GatewayError(
      ErrorCode.BadUserInput,
      `${from} must come to 1-${MAX_SCOPES} scopes such as "query:ontologies"`,
      { argument },
    );
  }
  const invalid = tokens.filter((token) => !SCOPE_PATTERN.test(token));
  if (invalid.length > 0) {
    throw new GatewayError(
      ErrorCode.BadUserInput,
      'scope has an invalid scope; each must look like query:ontologies, mutate:… or download:…',
      { argument },
    );
  }
  if (allowed) {
    const outside = tokens.filter((token) => !allowed.includes(token));
    if (outside.length > 0) {
      throw new GatewayError(
        ErrorCode.BadUserInput,
        `${argument === 'scope' ? 'scope' : 'the documents need scope'} ${outside.join(' ')}, which this gateway does not allow (BROWSER_TOKEN_SCOPES)`,
        { argument },
      );
    }
  }
  return tokens.join(' ');
};

/**
 * The scope to ask SEEK for: the one named, or exactly the union of the named trusted documents'
 * scopes. Either way it is normalised and held to BROWSER_TOKEN_SCOPES.
 */
const requestedScope = (
  args: BrowserTokenArgs,
  allowed: readonly string[] | undefined,
  trusted: TrustedDocumentLookup | undefined,
): string => {
  const hasScope = args.scope !== undefined && args.scope !== null;
  const hasDocuments = args.documents !== undefined && args.documents !== null;
  if (hasScope === hasDocuments) {
    throw new GatewayError(
      ErrorCode.BadUserInput,
      'Pass exactly one of scope (space-separated scopes) and documents (ids of trusted documents)',
      { argument: hasScope ? 'documents' : 'scope' },
    );
  }
  if (args.scope !== undefined && args.scope !== null) return normaliseScope(args.scope, allowed);
  return normaliseScope(scopeOfDocuments(args.documents ?? [], trusted), allowed, 'documents');
};

/**
 * `browserToken`: who may get a browser token for which hirer. Everything is checked before
 * SEEK is asked; SEEK only checks the partner's relationship with the hirer.
 */
export const createBrowserTokenResolver = (options: {
  service: BrowserTokenService;
  rateLimiter: RateLimiter;
  config: Pick<Config, 'browserTokens'>;
  /**
   * The manifest in force (PERSISTED_DOCUMENTS_FILE), read at each call: it is built after the
   * schema this resolver belongs to, and reloads swap it. Undefined without a manifest.
   */
  trustedDocuments?: () => TrustedDocumentLookup | undefined;
}) => {
  return async (
    _source: unknown,
    args: BrowserTokenArgs,
    context: GatewayContext,
  ): Promise<BrowserToken> => {
    const { caller } = context;
    if (caller.kind === 'anonymous') {
      throw new GatewayError(
        ErrorCode.Unauthenticated,
        'browserToken needs a user token or a service key',
      );
    }
    if (caller.kind === 'seek-token') {
      throw new GatewayError(
        ErrorCode.Forbidden,
        'A SEEK browser token cannot ask for browser tokens',
      );
    }
    checkIdentifier('hirerId', args.hirerId);
    const scope = requestedScope(
      args,
      options.config.browserTokens.allowedScopes,
      options.trustedDocuments?.(),
    );
    let userId: string;
    if (caller.kind === 'user') {
      if (args.userId !== undefined && args.userId !== null) {
        throw new GatewayError(
          ErrorCode.BadUserInput,
          'userId is taken from your user token; do not pass it',
          { argument: 'userId' },
        );
      }
      if (!caller.hirerIds.includes(args.hirerId)) {
        throw new GatewayError(ErrorCode.Forbidden, 'Your user token does not list this hirer');
      }
      userId = caller.userId;
      const decision = await options.rateLimiter.allow(userId);
      if (!decision.allowed) {
        const seconds = decision.retryAfterSeconds;
        throw new GatewayError(
          ErrorCode.RateLimited,
          `Too many browser token requests; try again in ${seconds} s`,
          { retryAfterSeconds: seconds },
          { headers: { 'retry-after': String(seconds) } },
        );
      }
    } else {
      if (args.userId === undefined || args.userId === null) {
        throw new GatewayError(
          ErrorCode.BadUserInput,
          'A service must pass userId: an anonymous ID of the end user',
          {
            argument: 'userId',
          },
        );
      }
      checkIdentifier('userId', args.userId);
      userId = args.userId;
    }
    return options.service.exchange(
      { hirerId: args.hirerId, scope, userId },
      { forceRefresh: args.forceRefresh === true },
    );
  };
};
