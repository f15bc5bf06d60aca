/**
 * The schemas, queries and canned upstream answers the benchmark uses.
 *
 * Canned answers are computed here (in the bench process) from the query and the schema, and
 * handed to the stand-in upstream as a fixture file keyed by operationName, so the upstream does
 * no GraphQL work at all and the gateway gets answers that are valid for what it asked.
 */
import {
  buildSchema,
  getNamedType,
  getNullableType,
  GraphQLSchema,
  isAbstractType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  Kind,
  parse,
  validate,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type SelectionSetNode,
} from 'graphql';

/** The small schema used by the main table (direct / raw hop / apollo+wrap / gateway). */
export const BENCH_SDL = `"""
A date and time in RFC 3339 format.
"""
scalar DateTime

type ObjectIdentifier {
  value: String!
}

type PartnerOrganization {
  name: String!
}

type HiringOrganization {
  id: ObjectIdentifier!
  name: String!
}

type SelfOrganizations {
  partner: PartnerOrganization!
  hirer: HiringOrganization
}

type Query {
  version: String!
  self: SelfOrganizations!
}

type Mutation {
  "Never called: SEEK's schema has mutations, so the gateway's browserToken has a type to extend."
  noop: Boolean
}
`;

export interface BenchQuery {
  operationName: string;
  query: string;
  /** The `data` the upstream answers with (and a correct gateway passes through). */
  data: unknown;
}

export const VERSION_QUERY: BenchQuery = {
  operationName: 'version',
  query: 'query version { version }',
  data: { version: 'bench' },
};

/** A browser-token bearer's first question: which partner and hirer is this token for? */
export const SELF_QUERY: BenchQuery = {
  operationName: 'self',
  query: 'query self { self { partner { name } hirer { name } } }',
  data: { self: { partner: { name: 'Bench Partner' }, hirer: { name: 'Bench Hirer' } } },
};

export function requestBody(q: Pick<BenchQuery, 'operationName' | 'query'>): string {
  return JSON.stringify({ query: q.query, operationName: q.operationName, variables: {} });
}

/** `pad_1kb` → 1024 bytes; the upstream answers `{ data: { version: 'xxxx…' } }`. */
export function padQuery(label: '1kb' | '100kb' | '1mb'): BenchQuery {
  const bytes = { '1kb': 1024, '100kb': 100 * 1024, '1mb': 1024 * 1024 }[label];
  const operationName = `pad_${label}`;
  return {
    operationName,
    query: `query ${operationName} { version }`,
    data: { version: 'x'.repeat(bytes) },
  };
}

/**
 * `list_100kb`, `list_1mb`: a page of job-ad-like objects of at least that size (short strings,
 * numbers, booleans, nulls, nesting), the shape of a real large answer; the pad's one long string
 * is the easiest case for a JSON check, this is the hardest common one. Served from the fixtures.
 */
export function listQuery(label: '100kb' | '1mb'): BenchQuery {
  const bytes = { '100kb': 100 * 1024, '1mb': 1024 * 1024 }[label];
  const operationName = `list_${label}`;
  const edges: unknown[] = [];
  let size = 0;
  for (let index = 0; size < bytes; index += 1) {
    const edge = {
      node: {
        id: { value: `seekAnzPublicTest:positionOpening:${10_000 + index}` },
        title: `Senior Software Engineer ${index}`,
        location: { label: 'Melbourne VIC 3000', countryCode: 'AU' },
        salary: { minimum: 120_000 + index, maximum: 150_000.5, currency: 'AUD' },
        active: index % 3 !== 0,
        seekHirerJobReference: index % 2 ? null : `REF-${index}`,
        tags: ['full time', 'hybrid', null],
        description: 'Join a team building hiring software for \u00e9quipes across "ANZ".',
      },
    };
    size += JSON.stringify(edge).length + 1;
    edges.push(edge);
  }
  return {
    operationName,
    query: `query ${operationName} { version }`,
    data: { positionOpenings: { edges } },
  };
}

function scalarValue(name: string): unknown {
  switch (name) {
    case 'Int':
      return 7;
    case 'Float':
      return 1.5;
    case 'Boolean':
      return true;
    case 'Date':
      return '2024-01-31';
    case 'DateTime':
      return '2024-01-31T23:59:59.000Z';
    case 'HistoryDate':
      return '2024-01';
    default:
      return `bench-${name.toLowerCase()}`;
  }
}

/** Builds a plausible `data` object for an operation, honouring aliases and fragments. */
export function fakeData(schema: GraphQLSchema, query: string): unknown {
  const doc = parse(query);
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of doc.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  }
  const op = doc.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (!op || op.kind !== Kind.OPERATION_DEFINITION) throw new Error('no operation');
  const root = op.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType();
  if (!root) throw new Error(`no root type for ${op.operation}`);

  const collect = (type: GraphQLObjectType, set: SelectionSetNode, out: FieldNode[]): void => {
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) out.push(sel);
      else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const on = sel.typeCondition?.name.value;
        if (!on || on === type.name || isAbstractType(schema.getType(on)))
          collect(type, sel.selectionSet, out);
      } else {
        const frag = fragments.get(sel.name.value);
        if (!frag) throw new Error(`unknown fragment ${sel.name.value}`);
        const on = frag.typeCondition.name.value;
        if (on === type.name || isAbstractType(schema.getType(on)))
          collect(type, frag.selectionSet, out);
      }
    }
  };

  const value = (type: GraphQLOutputType, node: FieldNode): unknown => {
    const t = isNonNullType(type) ? getNullableType(type) : type;
    if (isListType(t)) return [value(t.ofType, node)];
    const named = getNamedType(t);
    if (isScalarType(named)) return scalarValue(named.name);
    if (isEnumType(named)) return named.getValues()[0]?.name ?? null;
    const concrete = isObjectType(named) ? named : schema.getPossibleTypes(named)[0];
    if (!concrete || !node.selectionSet) return null;
    return object(concrete, node.selectionSet);
  };

  const object = (type: GraphQLObjectType, set: SelectionSetNode): Record<string, unknown> => {
    const fields: FieldNode[] = [];
    collect(type, set, fields);
    const out: Record<string, unknown> = {};
    for (const f of fields) {
      const key = f.alias?.value ?? f.name.value;
      if (f.name.value === '__typename') {
        out[key] = type.name;
        continue;
      }
      const def: GraphQLField<unknown, unknown> | undefined = type.getFields()[f.name.value];
      if (!def) throw new Error(`${type.name}.${f.name.value} does not exist`);
      out[key] = value(def.type, f);
    }
    return out;
  };

  return object(root, op.selectionSet);
}

function assertValid(schema: GraphQLSchema, query: string): void {
  const errors = validate(schema, parse(query));
  if (errors.length)
    throw new Error(`bench query is invalid: ${errors.map((e) => e.message).join('; ')}`);
}

/** A field that takes no required argument and returns a scalar, an enum, or an object of those. */
function isSmallRootField(field: GraphQLField<unknown, unknown>): boolean {
  if (field.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined)) return false;
  const named = getNamedType(field.type);
  if (isScalarType(named) || isEnumType(named)) return true;
  if (!isObjectType(named)) return false;
  return Object.values(named.getFields()).every((f) => {
    const inner = getNamedType(f.type);
    return (isScalarType(inner) || isEnumType(inner)) && f.args.length === 0;
  });
}

function selectionFor(field: GraphQLField<unknown, unknown>): string {
  const named = getNamedType(field.type);
  if (!isObjectType(named)) return field.name;
  return `${field.name} { ${Object.keys(named.getFields()).join(' ')} }`;
}

/** `query growth_<n>` selecting n distinct root fields of the large schema. */
export function growthQuery(schema: GraphQLSchema, n: number): BenchQuery {
  const fields = Object.values(schema.getQueryType()?.getFields() ?? {}).filter(isSmallRootField);
  if (fields.length < n)
    throw new Error(`large schema has only ${fields.length} small root fields`);
  const operationName = `growth_${n}`;
  const query = `query ${operationName} {\n${fields
    .slice(0, n)
    .map((f) => `  ${selectionFor(f)}`)
    .join('\n')}\n}`;
  assertValid(schema, query);
  return { operationName, query, data: fakeData(schema, query) };
}

/** A 10-root-field query with fragments, valid against the large schema. */
export const LARGE_TEN_FIELD_QUERY = `query largeTen {
  version
  self {
    partner { ...Partner }
    hirer { ...Hirer }
  }
  advertisementStatistics { ...AdvertisementStats }
  positionProfileStatistics { ...PositionProfileStats }
  candidateStatistics { totalCount activeCount label }
  locationStatistics { ...LocationStats }
  positionProfileCount
  candidateProfileCount
  workTypeStatusOptions
  payTypeStatusOptions
}

fragment Partner on PartnerOrganization {
  name
  id { value }
  technicalContactEmail
}

fragment Hirer on HiringOrganization {
  id { value }
  name
  relationshipTypeCodes
}

fragment AdvertisementStats on AdvertisementStatistics {
  totalCount
  activeCount
  averageScore
  lastUpdated
  label
}

fragment PositionProfileStats on PositionProfileStatistics {
  totalCount
  activeCount
  lastUpdated
}

fragment LocationStats on LocationStatistics {
  totalCount
  label
}
`;

export function largeTenQuery(schema: GraphQLSchema): BenchQuery {
  assertValid(schema, LARGE_TEN_FIELD_QUERY);
  return {
    operationName: 'largeTen',
    query: LARGE_TEN_FIELD_QUERY,
    data: fakeData(schema, LARGE_TEN_FIELD_QUERY),
  };
}

export function buildBenchSchema(sdl: string): GraphQLSchema {
  return buildSchema(sdl);
}

/** operationName → response body, as the upstream's fixture file expects. */
export function fixtureFile(queries: BenchQuery[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const q of queries) {
    if (!q.operationName.startsWith('pad_')) out[q.operationName] = { data: q.data };
  }
  return out;
}
