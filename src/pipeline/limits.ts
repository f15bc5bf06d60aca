// Query limits that fit SEEK's API: depth, aliases and directives as GraphQL Armor's validation
// rules, cost as Armor's cost model with fragments as mere notation, tokens through graphql-js's
// parser. A refused document is told which limit it broke, never the limit's number.
import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  GraphQLError,
  Kind,
  Lexer,
  parse as parseDocument,
  Source,
  TokenKind,
  validate,
  type DocumentNode,
  type FieldNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

export interface QueryLimitSettings {
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxCost: number;
  maxDirectives: number;
}

export type LimitName = 'depth' | 'aliases' | 'cost' | 'tokens' | 'directives';

/**
 * Recommended defaults, chosen from test/fixtures/seek-operations/: 20 operations written
 * against SEEK's published schema (`npx jest test/seekCorpus.test.ts` prints each one's
 * measures, as written and as Apollo Client sends it, with __typename in every selection).
 * Corpus maxima: depth 13, aliases 10, tokens 309, cost 3,703, directives 5. Apollo Sandbox's
 * introspection query is 184 tokens with no aliases or directives; __schema counts towards
 * neither depth nor cost, so introspecting SEEK's ~240 KB schema passes whatever its size.
 *
 * - depth 20: 1.5x the deepest operation (a page of application events with each application's
 *   ad and its locations' five-level `Location.parent` ancestry, 13). Location suggestions with
 *   that ancestry are 9. Beyond this SEEK's types only nest through recursion (`parent`,
 *   `children`, `profiles.candidate`, `positionOpening.paginatedPositionProfiles`).
 * - aliases 20: 2x the corpus maximum (ten hirers looked up by id in one request). Each alias
 *   repeats a field's work upstream, so this stays low; bigger batches belong in a paginated
 *   query or several requests.
 * - tokens 1,500: 4.9x the largest operation (a position profile read, 309 with __typename) and
 *   8x Sandbox's introspection, leaving room for mutation inputs written inline rather than as
 *   variables (a 20-question questionnaire inline is about 1,400 tokens). Tokens are what bound
 *   parsing and validation work per request; this is under a third of the old 5,000.
 * - cost 20,000: set by the depth limit rather than the corpus (5.4x its costliest operation,
 *   the same application events page, 3,703). Each level weighs 1.5x the next, so a bare chain
 *   of 21 levels costs 16,622 (20 levels: 11,080): a lower cost limit would refuse every
 *   document just past the depth limit for cost too, and make GRAPHQL_MAX_DEPTH meaningless
 *   above about 19. Raise both together. A literal `first`/`last` multiplies its subtree, so
 *   ten aliased application pages, or one with a literal page size of ten, are refused.
 * - directives 10: 2x the corpus maximum (an application export with five @include toggles).
 *   @skip and @include are the only executable directives SEEK's schema has.
 */
export const DEFAULT_QUERY_LIMITS: QueryLimitSettings = {
  maxDepth: 20,
  maxAliases: 20,
  maxTokens: 1_500,
  maxCost: 20_000,
  maxDirectives: 10,
};

const MESSAGES: Readonly<Record<LimitName, string>> = {
  depth: 'The operation is nested too deeply (depth limit)',
  aliases: 'The operation uses too many aliases (alias limit)',
  cost: 'The operation is too expensive (cost limit)',
  tokens: 'The document has too many tokens (token limit)',
  directives: 'The operation uses too many directives (directive limit)',
};

type ValidatedLimit = Exclude<LimitName, 'tokens'>;

// graphql-js's own message for parse(source, { maxTokens }); it quotes the number.
const TOKEN_LIMIT_MESSAGE = /^Syntax Error: Document contains more tha[nt] \d+ tokens\b/;

/** The operation each validation is in, so a refusal can point at it (Armor's errors don't). */
const currentOperation = new WeakMap<ValidationContext, OperationDefinitionNode>();
const trackOperation: ValidationRule = (context) => ({
  OperationDefinition(node) {
    currentOperation.set(context, node);
  },
});

interface LimitHooks {
  onReject(limit: ValidatedLimit, context: ValidationContext): void;
  onAccept?(limit: ValidatedLimit, context: ValidationContext, measured: number): void;
}

// GraphQL Armor's cost model (its defaults): a leaf field costs 1, a field with a selection 2
// plus 1.5 times what it selects, times a literal `first`/`last` page size.
const SCALAR_COST = 1;
const OBJECT_COST = 2;
const DEPTH_COST_FACTOR = 1.5;

const pageSize = (field: FieldNode): number => {
  const page = field.arguments?.find((a) => a.name.value === 'first' || a.name.value === 'last');
  return page?.value.kind === Kind.INT ? Math.max(Number.parseInt(page.value.value, 10), 1) : 1;
};

/**
 * Armor's cost model with fragments as pure notation: a spread or inline fragment costs what
 * its fields cost where they land (Armor's own rule adds 3 per spread and 2 per inline fragment,
 * each weighted by its depth, and more again for a fragment spread twice, so the same fields
 * cost up to 1.7x more through fragments). Each fragment is costed once (fan-outs stay linear);
 * a cyclic one counts nothing, as validation refuses it anyway. __schema is not counted.
 */
const costRule =
  (maxCost: number, hooks: LimitHooks): ValidationRule =>
  (context) => {
    const fragmentCosts = new Map<string, number>();
    const inProgress = new Set<string>();
    const selectionsCost = (selectionSet: SelectionSetNode): number => {
      let total = 0;
      for (const selection of selectionSet.selections) {
        if (selection.kind === Kind.FIELD) total += fieldCost(selection);
        else if (selection.kind === Kind.INLINE_FRAGMENT) {
          total += selectionsCost(selection.selectionSet);
        } else total += fragmentCost(selection.name.value);
      }
      return total;
    };
    const fragmentCost = (name: string): number => {
      const known = fragmentCosts.get(name);
      if (known !== undefined) return known;
      const fragment = context.getFragment(name);
      if (!fragment || inProgress.has(name)) return 0;
      inProgress.add(name);
      const cost = selectionsCost(fragment.selectionSet);
      inProgress.delete(name);
      fragmentCosts.set(name, cost);
      return cost;
    };
    const fieldCost = (field: FieldNode): number => {
      if (field.name.value === '__schema') return 0;
      if (!field.selectionSet) return SCALAR_COST;
      return (
        (OBJECT_COST + DEPTH_COST_FACTOR * selectionsCost(field.selectionSet)) * pageSize(field)
      );
    };
    return {
      OperationDefinition(operation) {
        const cost = selectionsCost(operation.selectionSet);
        if (cost > maxCost) hooks.onReject('cost', context);
        else hooks.onAccept?.('cost', context, cost);
      },
    };
  };

/**
 * GraphQL Armor's depth, alias and directive rules, and the cost rule above. Fragments are
 * flattened, so a spread or inline fragment adds no depth of its own (Armor's default counts
 * each spread as two more levels, which refused SEEK's recursive `Location.parent`
 * fragments); each fragment is measured once, so cycles and fan-outs terminate. Armor reports
 * through the hooks only (propagateOnRejection false): its own error says "Syntax Error: Query
 * validation error."
 */
const limitRules = (
  limits: Omit<QueryLimitSettings, 'maxTokens'>,
  hooks: LimitHooks,
): ValidationRule[] => {
  const callbacks = (limit: ValidatedLimit) => ({
    exposeLimits: false,
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null) => {
        if (context) hooks.onReject(limit, context);
      },
    ],
    onAccept: hooks.onAccept
      ? [
          (context: ValidationContext | null, details: { n: number }) => {
            if (context) hooks.onAccept?.(limit, context, details.n);
          },
        ]
      : [],
  });
  const armor = new ApolloArmor({
    maxDepth: {
      n: limits.maxDepth,
      flattenFragments: true,
      ignoreIntrospection: true,
      ...callbacks('depth'),
    },
    maxAliases: { n: limits.maxAliases, ...callbacks('aliases') },
    maxDirectives: { n: limits.maxDirectives, ...callbacks('directives') },
    costLimit: { enabled: false },
    // Tokens are counted by graphql-js's parser (parse below, Apollo's parseOptions).
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: false },
  });
  return [trackOperation, ...armor.protect().validationRules, costRule(limits.maxCost, hooks)];
};

const limitError = (limit: ValidatedLimit, operation: OperationDefinitionNode | undefined) =>
  new GraphQLError(MESSAGES[limit], {
    nodes: operation,
    extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit },
  });

export const createQueryLimits = (settings: QueryLimitSettings) => ({
  /**
   * Validation rules for depth, aliases, cost and directives. Each refusal is a GraphQLError
   * naming the limit, e.g. "The operation is nested too deeply (depth limit)", located at the
   * operation, with extensions { code: 'GRAPHQL_VALIDATION_FAILED', limit: 'depth' }.
   * Introspection (__schema) counts towards neither depth nor cost.
   */
  validationRules: limitRules(settings, {
    onReject: (limit, context) =>
      context.reportError(limitError(limit, currentOperation.get(context))),
  }),

  /**
   * graphql-js's parse with maxTokens, locations kept. Too many tokens throws "The document has
   * too many tokens (token limit)" with extensions { code: 'GRAPHQL_PARSE_FAILED', limit:
   * 'tokens' }; any other syntax error is re-thrown with extensions.code GRAPHQL_PARSE_FAILED.
   */
  parse: (source: string): DocumentNode => {
    try {
      return parseDocument(source, { maxTokens: settings.maxTokens });
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      const tooManyTokens = TOKEN_LIMIT_MESSAGE.test(error.message);
      throw new GraphQLError(tooManyTokens ? MESSAGES.tokens : error.message, {
        source: error.source,
        positions: error.positions,
        extensions: tooManyTokens
          ? { code: 'GRAPHQL_PARSE_FAILED', limit: 'tokens' }
          : { ...error.extensions, code: 'GRAPHQL_PARSE_FAILED' },
      });
    }
  },
});

/** Tokens as graphql-js's parser counts them for maxTokens (comments and <EOF> excluded). */
export const countTokens = (source: string): number => {
  const lexer = new Lexer(new Source(source));
  let count = 0;
  while (lexer.advance().kind !== TokenKind.EOF) count += 1;
  return count;
};

/**
 * What each limit measures for a document (the largest value over its operations), counted by
 * the same rules createQueryLimits applies. For choosing and checking limits, not per request.
 */
export const measureQuery = (schema: GraphQLSchema, source: string): Record<LimitName, number> => {
  const document = parseDocument(source);
  if (!document.definitions.some((definition) => definition.kind === Kind.OPERATION_DEFINITION)) {
    throw new Error('measureQuery: the document has no operation');
  }
  const measured: Record<LimitName, number> = {
    depth: 0,
    aliases: 0,
    cost: 0,
    tokens: countTokens(source),
    directives: 0,
  };
  const unlimited = {
    maxDepth: Infinity,
    maxAliases: Infinity,
    maxCost: Infinity,
    maxDirectives: Infinity,
  };
  validate(
    schema,
    document,
    limitRules(unlimited, {
      onReject: () => undefined,
      onAccept: (limit, _context, value) => {
        measured[limit] = Math.max(measured[limit], value);
      },
    }),
  );
  return measured;
};
