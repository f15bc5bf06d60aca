// The query limits' defaults against a corpus of realistic SEEK operations
// (test/fixtures/seek-operations/), and what a refusal looks like for each limit.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  execute,
  getIntrospectionQuery,
  GraphQLError,
  Kind,
  parse,
  print,
  specifiedRules,
  validate,
  visit,
  type DocumentNode,
  type FragmentDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';

import {
  countTokens,
  createQueryLimits,
  DEFAULT_QUERY_LIMITS,
  measureQuery,
  type LimitName,
  type QueryLimitSettings,
} from '../src/pipeline/limits';
import type { GraphqlContext } from '../src/seek/simulator/access';
import { schemaForRevision } from '../src/seek/simulator/executableSchema';
import { createWorld, DEFAULT_HIRERS, DEFAULT_PARTNER_NAME } from '../src/seek/simulator/seedData';
import type { TokenRecord } from '../src/seek/simulator/tokens';

const schema = schemaForRevision(1);
const CORPUS_DIR = path.join(__dirname, 'fixtures', 'seek-operations');
const corpus = readdirSync(CORPUS_DIR)
  .filter((file) => file.endsWith('.graphql'))
  .sort()
  .map((file) => ({ file, source: readFileSync(path.join(CORPUS_DIR, file), 'utf8') }));

/** Apollo Sandbox's introspection query (graphql-js's, every option on). */
const SANDBOX_INTROSPECTION = getIntrospectionQuery({
  descriptions: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
  schemaDescription: true,
  inputValueDeprecation: true,
  oneOf: true,
});

/** The document as Apollo Client sends it: __typename in every selection set but the root. */
const withTypename = (source: string): string =>
  print(
    visit(parse(source), {
      SelectionSet: {
        leave(node, _key, parent) {
          if (!parent || Array.isArray(parent)) return undefined;
          if ((parent as { kind?: string }).kind === Kind.OPERATION_DEFINITION) return undefined;
          const has = node.selections.some(
            (s) => s.kind === Kind.FIELD && s.name.value === '__typename',
          );
          if (has) return undefined;
          const typename = { kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } };
          return { ...node, selections: [...node.selections, typename] };
        },
      },
    }),
  );

/** Each fragment spread replaced by the fragment's fields (or by an inline fragment). */
const expandFragments = (source: string, as: 'fields' | 'inline fragments'): string => {
  const document = parse(source);
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      fragments.set(definition.name.value, definition);
    }
  }
  const expandSet = (set: SelectionSetNode): SelectionSetNode => ({
    ...set,
    selections: set.selections.flatMap((selection): SelectionNode[] => {
      if (selection.kind !== Kind.FRAGMENT_SPREAD) {
        return [
          selection.selectionSet
            ? { ...selection, selectionSet: expandSet(selection.selectionSet) }
            : selection,
        ];
      }
      const fragment = fragments.get(selection.name.value);
      if (!fragment) throw new Error(`unknown fragment ${selection.name.value}`);
      const expanded = expandSet(fragment.selectionSet);
      return as === 'fields'
        ? [...expanded.selections]
        : [
            {
              kind: Kind.INLINE_FRAGMENT,
              typeCondition: fragment.typeCondition,
              selectionSet: expanded,
            },
          ];
    }),
  });
  const expanded: DocumentNode = {
    ...document,
    definitions: document.definitions
      .filter((definition) => definition.kind === Kind.OPERATION_DEFINITION)
      .map((operation) => ({ ...operation, selectionSet: expandSet(operation.selectionSet) })),
  };
  return print(expanded);
};

const LIMIT_SETTING: Readonly<Record<LimitName, keyof QueryLimitSettings>> = {
  depth: 'maxDepth',
  aliases: 'maxAliases',
  tokens: 'maxTokens',
  cost: 'maxCost',
  directives: 'maxDirectives',
};
const LIMITS = Object.keys(LIMIT_SETTING) as LimitName[];

const validateWith = (settings: QueryLimitSettings, source: string) => {
  const limits = createQueryLimits(settings);
  return validate(schema, limits.parse(source), [...specifiedRules, ...limits.validationRules]);
};

describe('the SEEK operation corpus', () => {
  const measures = corpus.map(({ file, source }) => ({
    file,
    asWritten: measureQuery(schema, source),
    apolloClient: measureQuery(schema, withTypename(source)),
  }));

  it('has a dozen or more operations, each saying which SEEK feature it exercises', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(12);
    for (const { file, source } of corpus) {
      expect({ file, header: /^# \S.{20,}/.test(source) }).toEqual({ file, header: true });
    }
  });

  it.each(corpus.map(({ file, source }) => [file, source]))(
    '%s parses within the token limit and validates with the default limits',
    (_file, source) => {
      expect(validateWith(DEFAULT_QUERY_LIMITS, source)).toEqual([]);
      expect(validateWith(DEFAULT_QUERY_LIMITS, withTypename(source))).toEqual([]);
    },
  );

  it('counts depth through fragment spreads and inline fragments as the real nesting', () => {
    const depthOf = (file: string) => measures.find((m) => m.file === file)?.asWritten.depth;
    // locationSuggestions > location > parent ×5 > currencies > code
    expect(depthOf('locationSuggestions.graphql')).toBe(9);
    // nearestLocations > parent ×5 > id > value
    expect(depthOf('nearestLocations.graphql')).toBe(8);
    // events > edges > node > candidateApplicationProfile > associatedPositionProfile >
    // positionLocation > parent ×5 > id > value
    expect(depthOf('eventsWithApplications.graphql')).toBe(13);
    for (const { file, source } of corpus) {
      const measured = measureQuery(schema, source);
      for (const form of ['fields', 'inline fragments'] as const) {
        const expanded = measureQuery(schema, expandFragments(source, form));
        expect({ file, form, depth: expanded.depth }).toEqual({
          file,
          form,
          depth: measured.depth,
        });
      }
    }
  });

  it('costs the same fields the same, whether written out or grouped into fragments', () => {
    for (const { file, source } of corpus) {
      const measured = measureQuery(schema, source);
      for (const form of ['fields', 'inline fragments'] as const) {
        const expanded = measureQuery(schema, expandFragments(source, form));
        expect({ file, form, cost: expanded.cost }).toEqual({ file, form, cost: measured.cost });
      }
    }
  });

  it('passes the five-level Location.parent suggestion that the old depth counting refused', () => {
    const source = corpus.find((c) => c.file === 'locationSuggestions.graphql')?.source ?? '';
    // The old configuration: Armor counting each fragment spread as two more levels.
    const old = new ApolloArmor({
      maxDepth: { n: 12, exposeLimits: false },
      costLimit: { enabled: false },
      maxAliases: { enabled: false },
      maxDirectives: { enabled: false },
      maxTokens: { enabled: false },
      blockFieldSuggestion: { enabled: false },
    }).protect().validationRules;
    expect(validate(schema, parse(source), old).map((e) => e.message)).toEqual([
      'Syntax Error: Query validation error.',
    ]);
    expect(validateWith({ ...DEFAULT_QUERY_LIMITS, maxDepth: 12 }, source)).toEqual([]);
  });

  it('puts every default well above the corpus maximum (with the measures printed)', () => {
    const introspection = measureQuery(schema, SANDBOX_INTROSPECTION);
    const rows = [
      ...measures.map(({ file, asWritten, apolloClient }) => ({
        operation: file.replace(/\.graphql$/, ''),
        ...asWritten,
        tokensApollo: apolloClient.tokens,
        costApollo: apolloClient.cost,
      })),
      {
        operation: 'Sandbox introspection',
        ...introspection,
        tokensApollo: introspection.tokens,
        costApollo: introspection.cost,
      },
    ];
    const columns = [
      'operation',
      'depth',
      'aliases',
      'tokens',
      'tokensApollo',
      'cost',
      'costApollo',
      'directives',
    ] as const;
    const cell = (value: string | number) =>
      typeof value === 'number' ? String(Math.round(value)) : value;
    const widths = columns.map((column) =>
      Math.max(column.length, ...rows.map((row) => cell(row[column]).length)),
    );
    const line = (values: string[]) =>
      `| ${values.map((v, i) => (i === 0 ? v.padEnd(widths[i] ?? 0) : v.padStart(widths[i] ?? 0))).join(' | ')} |`;
    const maxOf = (limit: LimitName) =>
      Math.max(...measures.flatMap((m) => [m.asWritten[limit], m.apolloClient[limit]]));
    console.log(
      [
        line([...columns]),
        line(widths.map((width) => '-'.repeat(width))),
        ...rows.map((row) => line(columns.map((column) => cell(row[column])))),
        '',
        `corpus max (with __typename): ${LIMITS.map((l) => `${l} ${Math.round(maxOf(l))}`).join(', ')}`,
        `defaults: ${LIMITS.map((l) => `${l} ${DEFAULT_QUERY_LIMITS[LIMIT_SETTING[l]]}`).join(', ')}`,
      ].join('\n'),
    );

    // At least 1.5x the corpus maximum for every limit (the comment on DEFAULT_QUERY_LIMITS
    // says why each one sits where it does).
    const short = LIMITS.filter(
      (limit) => DEFAULT_QUERY_LIMITS[LIMIT_SETTING[limit]] < 1.5 * maxOf(limit),
    );
    expect(short).toEqual([]);
    // Introspection counts towards neither depth nor cost, and is small in tokens.
    expect(introspection).toEqual({
      depth: 0,
      aliases: 0,
      cost: 0,
      tokens: expect.any(Number),
      directives: 0,
    });
    expect(introspection.tokens).toBeLessThan(DEFAULT_QUERY_LIMITS.maxTokens / 3);
  });

  it("passes Sandbox's introspection query, even under limits far tighter than the defaults", () => {
    expect(validateWith(DEFAULT_QUERY_LIMITS, SANDBOX_INTROSPECTION)).toEqual([]);
    const tight = { maxDepth: 2, maxAliases: 0, maxTokens: 1_000, maxCost: 10, maxDirectives: 0 };
    expect(validateWith(tight, SANDBOX_INTROSPECTION)).toEqual([]);
  });
});

describe('the corpus against the simulator', () => {
  const variables = JSON.parse(
    readFileSync(path.join(CORPUS_DIR, 'variables.json'), 'utf8'),
  ) as Record<string, Record<string, unknown>>;
  const [hirer] = DEFAULT_HIRERS;
  const token = (overrides: Partial<TokenRecord> = {}): TokenRecord => ({
    id: 'corpus-token',
    kind: 'partner',
    clientId: 'corpus',
    scopes: [],
    expiresAt: Date.now() + 60_000,
    ...overrides,
  });
  const run = async (file: string, tokenRecord: TokenRecord = token()) => {
    const world = createWorld(DEFAULT_PARTNER_NAME, DEFAULT_HIRERS);
    world.applicationQuestionnaires.set(
      'seekAnzPublicTest:applicationQuestionnaire:seek:3hFw6Y7q',
      {
        hirerId: hirer?.id ?? '',
        components: ['Which shifts can you work?'],
      },
    );
    world.webhookSubscriptions.set('seekAnzPublicTest:webhookSubscription:seek:2Xy7kQwE', {
      id: 'seekAnzPublicTest:webhookSubscription:seek:2Xy7kQwE',
      url: 'https://partner.example.com/seek/webhooks',
      eventTypeCode: 'CandidateApplicationCreated',
      hirerId: hirer?.id ?? null,
      createdDateTime: '2024-05-01T00:00:00.000Z',
    });
    const contextValue: GraphqlContext = { token: tokenRecord, world, schemaRevision: 1 };
    const source = corpus.find((c) => c.file === file)?.source ?? '';
    return execute({
      schema,
      document: parse(source),
      variableValues: variables[file],
      contextValue,
    });
  };

  it('has variables for every operation', () => {
    expect(Object.keys(variables).sort()).toEqual(corpus.map(({ file }) => file));
  });

  it.each(corpus.map(({ file }) => [file]))('%s executes without errors', async (file) => {
    const result = await run(file);
    expect(result.errors).toBeUndefined();
    expect(result.data).toBeTruthy();
  });

  it('answers location suggestions with their ancestry, null above the country', async () => {
    const result = await run('locationSuggestions.graphql');
    const ancestry: string[] = [];
    type Node = { contextualName: string; parent?: Node | null } | null | undefined;
    const suggestions = result.data?.locationSuggestions as Array<{ location: Node }>;
    for (let node: Node = suggestions[0]?.location; node; node = node.parent) {
      ancestry.push(node.contextualName);
    }
    expect(ancestry).toEqual(['Melbourne VIC 3000 AU', 'Melbourne VIC AU', 'VIC AU', 'AU']);
  });

  it('refuses a browser token without the scope a new root field needs', async () => {
    const browser = token({ kind: 'browser', hirerId: hirer?.id, scopes: ['query:organizations'] });
    const result = await run('locationSuggestions.graphql', browser);
    expect(result.errors?.map((error) => [error.message, error.extensions.code])).toEqual([
      ['Query.locationSuggestions requires the query:ontologies scope', 'FORBIDDEN'],
    ]);
    expect((await run('selfOrganizations.graphql', browser)).errors).toBeUndefined();
  });
});

/** A document just past (`over` true) or exactly at each limit, breaking no other limit. */
const atLimit = (limit: LimitName, settings: QueryLimitSettings, over: boolean): string => {
  const n = settings[LIMIT_SETTING[limit]] + (over ? 1 : 0);
  switch (limit) {
    case 'depth': {
      // location(1) > parent ×k > id > value: depth k + 3.
      const parents = n - 3;
      return `{ location(id: "seekAnz:location:seek:2FjxhU4Wf") { ${'parent { '.repeat(parents)}id { value }${' }'.repeat(parents)} } }`;
    }
    case 'aliases':
      return `{ ${Array.from({ length: n }, (_, i) => `v${i}: version`).join(' ')} }`;
    case 'directives':
      return `{ ${Array.from({ length: n }, () => 'version @include(if: true)').join(' ')} }`;
    case 'tokens': {
      // One list argument's strings make up the count: no depth, aliases or cost to speak of.
      // (Hundreds of repeated fields would trip graphql-js's own overlap-check budget.)
      const document = (strings: number) =>
        `{ jobCategorySuggestions(schemeId: "seekAnz", positionProfile: { positionTitle: "Developer", positionLocation: [${Array.from({ length: strings }, () => '"l"').join(' ')}] }) { confidence } }`;
      return document(n - countTokens(document(0)));
    }
    case 'cost': {
      // A literal page size multiplies its subtree's cost: find the page just past the limit.
      const page = (size: number) =>
        `{ hiringOrganizations(schemeId: "seekAnz", first: ${size}) { edges { node { id { value } name } } } }`;
      const perItem = measureQuery(schema, page(1)).cost;
      const size = Math.floor(settings.maxCost / perItem);
      return page(over ? size + 1 : size);
    }
  }
};

// The defaults, and distinctive limits (as test/limits.test.ts uses) that a message quoting a
// number would give away.
const SETTINGS: Array<[string, QueryLimitSettings]> = [
  ['the defaults', DEFAULT_QUERY_LIMITS],
  [
    'distinctive limits',
    { maxDepth: 6, maxAliases: 3, maxTokens: 263, maxCost: 137, maxDirectives: 4 },
  ],
];

const MESSAGES: Readonly<Record<LimitName, string>> = {
  depth: 'The operation is nested too deeply (depth limit)',
  aliases: 'The operation uses too many aliases (alias limit)',
  cost: 'The operation is too expensive (cost limit)',
  tokens: 'The document has too many tokens (token limit)',
  directives: 'The operation uses too many directives (directive limit)',
};

describe.each(SETTINGS)('with %s', (_name, settings) => {
  const limits = createQueryLimits(settings);

  it.each(LIMITS)('accepts a document exactly at the %s limit', (limit) => {
    const source = atLimit(limit, settings, false);
    expect(measureQuery(schema, source)[limit]).toBeLessThanOrEqual(settings[LIMIT_SETTING[limit]]);
    expect(validateWith(settings, source)).toEqual([]);
  });

  it.each(LIMITS.filter((limit) => limit !== 'tokens'))(
    'refuses a document just past the %s limit, naming the limit and not the number',
    (limit) => {
      const source = atLimit(limit, settings, true);
      const measured = measureQuery(schema, source);
      expect(measured[limit]).toBeGreaterThan(settings[LIMIT_SETTING[limit]]);

      const errors = validate(schema, limits.parse(source), [
        ...specifiedRules,
        ...limits.validationRules,
      ]);
      expect(errors.map((error) => error.toJSON())).toEqual([
        {
          message: MESSAGES[limit],
          locations: [{ line: 1, column: 1 }],
          extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit },
        },
      ]);
      const [error] = errors;
      expect(error?.message).not.toContain(String(settings[LIMIT_SETTING[limit]]));
      expect(error?.message).not.toMatch(/\d/);
    },
  );

  it('refuses a document just past the token limit at parse time, naming the limit', () => {
    const source = atLimit('tokens', settings, true);
    expect(countTokens(source)).toBe(settings.maxTokens + 1);
    let thrown: unknown;
    try {
      limits.parse(source);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GraphQLError);
    const error = thrown as GraphQLError;
    expect(error.message).toBe(MESSAGES.tokens);
    expect(error.message).not.toContain(String(settings.maxTokens));
    expect(error.message).not.toMatch(/\d/);
    expect(error.extensions).toEqual({ code: 'GRAPHQL_PARSE_FAILED', limit: 'tokens' });
    expect(error.locations).toEqual([{ line: 1, column: expect.any(Number) }]);
  });
});

describe('refusals and their edges', () => {
  const limits = createQueryLimits(DEFAULT_QUERY_LIMITS);

  it('re-throws other syntax errors as GRAPHQL_PARSE_FAILED, with their location', () => {
    expect(() => limits.parse('{ version')).toThrow(GraphQLError);
    try {
      limits.parse('query {\n  version\n');
    } catch (error) {
      expect((error as GraphQLError).toJSON()).toEqual({
        message: 'Syntax Error: Expected Name, found <EOF>.',
        locations: [{ line: 3, column: 1 }],
        extensions: { code: 'GRAPHQL_PARSE_FAILED' },
      });
    }
    expect.assertions(2);
  });

  it('points a refusal at the operation that broke the limit', () => {
    const deep = atLimit('depth', DEFAULT_QUERY_LIMITS, true).replace(/^\{/, 'query Deep {');
    const errors = validateWith(DEFAULT_QUERY_LIMITS, `query Shallow { version }\n${deep}`);
    expect(errors.map((error) => [error.extensions.limit, error.locations])).toEqual([
      ['depth', [{ line: 2, column: 1 }]],
    ]);
  });

  it('counts a too-deep chain through nested fragments as deep as its fields', () => {
    const levels = DEFAULT_QUERY_LIMITS.maxDepth - 1; // location > parent × levels > name
    const fragments = Array.from({ length: levels }, (_, i) =>
      i === levels - 1
        ? `fragment P${i} on Location { parent { name } }`
        : `fragment P${i} on Location { parent { ...P${i + 1} } }`,
    ).join('\n');
    const source = `query ViaFragments { location(id: "x") { ...P0 } }\n${fragments}`;
    expect(measureQuery(schema, source).depth).toBe(DEFAULT_QUERY_LIMITS.maxDepth + 1);
    expect(validateWith(DEFAULT_QUERY_LIMITS, source).map((e) => e.extensions.limit)).toEqual([
      'depth',
    ]);
  });

  it('terminates on fragment cycles, which validation reports on its own', () => {
    const source = `
      query Cycles { location(id: "x") { ...A ...Self } }
      fragment A on Location { parent { ...B } }
      fragment B on Location { parent { ...A } }
      fragment Self on Location { parent { ...Self } }
    `;
    const messages = validateWith(DEFAULT_QUERY_LIMITS, source).map((error) => error.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        'Cannot spread fragment "A" within itself via "B".',
        'Cannot spread fragment "Self" within itself.',
      ]),
    );
  });

  it('measures a fragment that fans out to millions of paths without walking them', () => {
    // F0 spreads F1 twice, F1 spreads F2 twice, ...: 2^24 paths to the last fragment.
    const count = 25;
    const fragments = Array.from({ length: count }, (_, i) =>
      i === count - 1
        ? `fragment F${i} on Location { name }`
        : `fragment F${i} on Location { parent { ...F${i + 1} ...F${i + 1} } name }`,
    ).join('\n');
    const started = Date.now();
    const errors = validateWith(
      DEFAULT_QUERY_LIMITS,
      `query FanOut { location(id: "x") { ...F0 } }\n${fragments}`,
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(errors.map((error) => error.extensions.limit).sort()).toEqual(['cost', 'depth']);
  });
});

describe('the configuration defaults are the corpus-derived limits', () => {
  it('GRAPHQL_MAX_* unset gives DEFAULT_QUERY_LIMITS', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { loadConfig } = require('../src/config') as typeof import('../src/config');
    const { maxDepth, maxAliases, maxTokens, maxCost, maxDirectives } = loadConfig({
      NODE_ENV: 'test',
    }).graphql;
    expect({ maxDepth, maxAliases, maxTokens, maxCost, maxDirectives }).toEqual(
      DEFAULT_QUERY_LIMITS,
    );
  });
});
