import { ConfigError } from './configError';
import { isCombination } from './fields';
import { configSchema, type Config } from './schema';

export { ConfigError } from './configError';
export type { RuntimeEnvironment } from './fields';
export { SCOPE_PATTERN } from './groups/browserTokens';
export {
  DEFAULT_GRAPHQL_MAX_ALIASES,
  DEFAULT_GRAPHQL_MAX_COST,
  DEFAULT_GRAPHQL_MAX_DEPTH,
  DEFAULT_GRAPHQL_MAX_DIRECTIVES,
  DEFAULT_GRAPHQL_MAX_TOKENS,
} from './groups/graphql';
export type {
  CredentialSourceConfig,
  CredentialSourceKind,
  CredentialsConfig,
} from './groups/credentials';
export type { SeekConfig } from './groups/seek';
export { MAKE_ENCRYPTION_KEY } from './groups/tokenCache';
export { CONFIG_VARIABLES, configSchema, type Config } from './schema';

/** `VARIABLE: message`; a rule between variables names them in its message. */
const describeIssue = (issue: { path: PropertyKey[]; message: string }): string => {
  const [, ...variable] = issue.path; // the first step is the group
  return variable.length > 0
    ? `${variable.map(String).join('.')}: ${issue.message}`
    : issue.message;
};

/**
 * Reads the gateway's configuration from an environment object (process.env in the entry
 * file, a literal in tests) and reports every problem at once, naming each variable:
 * malformed values first, then combinations that don't fit together.
 */
export const loadConfig = (env: Record<string, string | undefined>): Config => {
  const parsed = configSchema.safeParse(env);
  if (parsed.success) return parsed.data;
  const { issues } = parsed.error;
  throw new ConfigError(
    [
      ...issues.filter((issue) => !isCombination(issue)),
      ...issues.filter((issue) => isCombination(issue)),
    ].map(describeIssue),
  );
};
