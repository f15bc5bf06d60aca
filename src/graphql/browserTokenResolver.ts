import type { Config } from '../config';
import { SCOPE_PATTERN } from '../config';
import { ErrorCode, GatewayError } from '../errors';
import type { BrowserToken, BrowserTokenService } from '../tokens/browserTokens';
import type { RateLimiter } from '../tokens/rateLimiter';
import type { GatewayContext } from './context';

export interface BrowserTokenArgs {
  hirerId: string;
  scope: string;
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

/** Unique, sorted, space-separated; every token a valid scope and allowed here. */
export const normaliseScope = (scope: string, allowed: readonly string[] | undefined): string => {
  const tokens = [...new Set(scope.split(/\s+/).filter(Boolean))].sort();
  if (tokens.length === 0 || tokens.length > MAX_SCOPES || scope.length > 2_048) {
    throw new GatewayError(
      ErrorCode.BadUserInput,
      `scope must list 1-${MAX_SCOPES} scopes such as "query:ontologies"`,
      {
        argument: 'scope',
      },
    );
  }
  const invalid = tokens.filter((token) => !SCOPE_PATTERN.test(token));
  if (invalid.length > 0) {
    throw new GatewayError(
      ErrorCode.BadUserInput,
      'scope has an invalid scope; each must look like query:ontologies, mutate:… or download:…',
      {
        argument: 'scope',
      },
    );
  }
  if (allowed) {
    const outside = tokens.filter((token) => !allowed.includes(token));
    if (outside.length > 0) {
      throw new GatewayError(
        ErrorCode.BadUserInput,
        `scope ${outside.join(' ')} is not allowed by this gateway`,
        { argument: 'scope' },
      );
    }
  }
  return tokens.join(' ');
};

/**
 * `browserToken`: who may get a browser token for which hirer. Everything is checked before
 * SEEK is asked; SEEK only checks the partner's relationship with the hirer.
 */
export const createBrowserTokenResolver = (options: {
  service: BrowserTokenService;
  rateLimiter: RateLimiter;
  config: Pick<Config, 'browserTokens'>;
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
    const scope = normaliseScope(args.scope, options.config.browserTokens.allowedScopes);
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
