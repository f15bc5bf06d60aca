/**
 * Deterministic synthetic SDL the size of SEEK's public schema (≥ 240 KB, ~300 types), used by the
 * benchmark's "large schema" and "growth" cases. No randomness: the same text on every run.
 *
 *   tsx scripts/generate-large-schema.ts out.graphql
 */
import { writeFileSync } from 'node:fs';
import { buildSchema, isIntrospectionType } from 'graphql';

interface Domain {
  /** PascalCase type name, e.g. `PositionProfile`. */
  name: string;
  /** Human wording used in descriptions, e.g. `position profile`. */
  words: string;
}

const DOMAIN_NAMES = [
  'Advertisement',
  'AdvertisementProduct',
  'ApplicationQuestionnaire',
  'ApplicationLibraryQuestion',
  'BrandingLogo',
  'Candidate',
  'CandidateProcessHistoryItem',
  'CandidateProfile',
  'Classification',
  'ContactMethod',
  'Currency',
  'EmailAddress',
  'Event',
  'EventSubscription',
  'HiringOrganizationBrand',
  'JobCategory',
  'Location',
  'PayType',
  'PersonCompetency',
  'PhoneNumber',
  'PositionOpening',
  'PositionProfile',
  'PostedPositionProfilePreview',
  'PrivacyConsentPolicy',
  'PurchaseOrder',
  'RemunerationPackage',
  'Seniority',
  'SpecifiedPerson',
  'Attachment',
  'WebhookAttempt',
  'WebhookRequest',
  'WebhookSubscriptionReplay',
  'WorkArrangement',
  'WorkType',
  'VideoLink',
  'InterviewSchedule',
  'OfferLetter',
  'Referee',
  'Qualification',
];

/** Domains that get create / update / delete mutations (9 × 3 = 27). */
const MUTATED = [
  'Advertisement',
  'ApplicationQuestionnaire',
  'CandidateProfile',
  'EventSubscription',
  'PositionOpening',
  'PositionProfile',
  'PurchaseOrder',
  'SpecifiedPerson',
  'WebhookSubscriptionReplay',
];

const STATUS_VALUES = ['Active', 'Inactive', 'Pending', 'Expired', 'Closed', 'Archived'];

function words(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

function describe(text: string, indent = ''): string {
  const lines = text.split('\n').map((l) => (l ? indent + l : ''));
  return `${indent}"""\n${lines.join('\n')}\n${indent}"""\n`;
}

/** SEEK-style multi-paragraph field descriptions, deterministic per (type, field, index). */
function fieldDescription(d: Domain, field: string, i: number): string {
  const lead = [
    `The ${words(field)} of the ${d.words}.`,
    `The ${words(field)} associated with this \`${d.name}\`.`,
    `An optional ${words(field)} for the ${d.words}, as displayed to hirers and candidates.`,
    `The ${words(field)} that was recorded when the ${d.words} was last modified.`,
  ][i % 4];
  const detail = [
    `This value is set by the SEEK API and cannot be changed by the partner. It is provided so that software can reconcile the ${d.words} with records in its own system.`,
    `Scheme requirements:\n\n- For the \`seekAnz\` scheme, this field is required and must contain at least one character.\n- For other schemes, this field is omitted.`,
    `This field has a maximum length of 255 bytes in UTF-8 encoding. Values outside of this limit will be rejected with a \`BAD_USER_INPUT\` error rather than truncated.`,
    `See the [${d.words} documentation](https://developer.seek.com/use-cases/${lowerFirst(d.name)}) for guidance on how to present this value in your user interface.`,
  ][(i + 1) % 4];
  return `${lead}\n\n${detail}`;
}

function objectType(d: Domain): string {
  const n = d.name;
  const fields: [string, string][] = [
    ['id', 'ObjectIdentifier!'],
    ['name', 'String!'],
    ['description', 'String'],
    ['status', `${n}Status!`],
    ['createDateTime', 'DateTime!'],
    ['updateDateTime', 'DateTime'],
    ['effectiveDate', 'Date'],
    ['historyDate', 'HistoryDate'],
    ['hirer', 'HiringOrganization'],
    ['partner', 'PartnerOrganization'],
    ['location', 'Location'],
    ['address', 'Address'],
    ['seekUrl', 'String'],
    ['sortOrder', 'Int!'],
    ['score', 'Float'],
    ['isPrimary', 'Boolean!'],
    ['tags', '[String!]!'],
    ['externalReferences', '[ObjectIdentifier!]!'],
  ];
  let out = describe(
    `A ${d.words} in the SEEK ecosystem.\n\nA \`${n}\` is owned by a single hirer and may be read by any partner that holds the relationship required by its hirer. Fields that are not relevant to the current scheme are returned as \`null\`.`,
  );
  out += `type ${n} {\n`;
  fields.forEach(([f, t], i) => {
    out += describe(fieldDescription(d, f, i), '  ') + `  ${f}: ${t}\n`;
  });
  out += '}\n\n';
  return out;
}

function supportTypes(d: Domain): string {
  const n = d.name;
  let out = '';
  out += describe(`A page of \`${n}\` objects.\n\nUse \`pageInfo\` to request further pages.`);
  out += `type ${n}Connection {\n`;
  out += describe(`The page of ${d.words} objects and their corresponding cursors.`, '  ');
  out += `  edges: [${n}Edge!]!\n`;
  out += describe('Pagination metadata for this page.', '  ') + '  pageInfo: PageInfo!\n';
  out += '}\n\n';
  out += describe(`A \`${n}\` in a paginated list.`);
  out += `type ${n}Edge {\n`;
  out += describe(`The opaque cursor to the ${d.words}.`, '  ') + '  cursor: String!\n';
  out += describe(`The actual ${d.words} object.`, '  ') + `  node: ${n}!\n`;
  out += '}\n\n';
  out += describe(
    `Aggregate figures about the ${d.words} objects visible to the current partner.\n\nThese figures are eventually consistent and may lag recent changes by up to a minute.`,
  );
  out += `type ${n}Statistics {\n`;
  const stats: [string, string][] = [
    ['totalCount', 'Int!'],
    ['activeCount', 'Int!'],
    ['averageScore', 'Float'],
    ['lastUpdated', 'DateTime'],
    ['label', 'String!'],
  ];
  stats.forEach(([f, t], i) => {
    out += describe(fieldDescription(d, f, i + 2), '  ') + `  ${f}: ${t}\n`;
  });
  out += '}\n\n';
  out += describe(`The status of a ${d.words}.`);
  out += `enum ${n}Status {\n`;
  STATUS_VALUES.forEach((v) => {
    out += describe(`The ${d.words} is ${v.toLowerCase()}.`, '  ') + `  ${v}\n`;
  });
  out += '}\n\n';
  out += describe(`The criteria to filter ${d.words} objects by.`);
  out += `input ${n}FilterInput {\n`;
  out += describe(`Only return ${d.words} objects with one of these statuses.`, '  ');
  out += `  statuses: [${n}Status!]\n`;
  out += describe('Only return objects updated after this date and time.', '  ');
  out += '  afterDateTime: DateTime\n';
  out += describe('Only return objects belonging to this hirer.', '  ') + '  hirerId: String\n';
  out += '}\n\n';
  return out;
}

function mutationTypes(d: Domain): string {
  const n = d.name;
  let out = '';
  for (const verb of ['Create', 'Update']) {
    out += describe(`The input parameter for the \`${lowerFirst(verb)}${n}\` mutation.`);
    out += `input ${verb}${n}Input {\n`;
    if (verb === 'Update') out += describe(`The ${d.words} to update.`, '  ') + '  id: String!\n';
    out += describe(`The name of the ${d.words}.`, '  ') + '  name: String!\n';
    out += describe(`The description of the ${d.words}.`, '  ') + '  description: String\n';
    out += describe(`The hirer that owns the ${d.words}.`, '  ') + '  hirerId: String!\n';
    out += describe('The effective date.', '  ') + '  effectiveDate: Date\n';
    out += '}\n\n';
    out += describe(`The output of the \`${lowerFirst(verb)}${n}\` mutation.`);
    out += `type ${verb}${n}Payload {\n`;
    out +=
      describe(`The ${d.words} that was ${verb.toLowerCase()}d.`, '  ') +
      `  ${lowerFirst(n)}: ${n}!\n`;
    out += '}\n\n';
  }
  out += describe(`The output of the \`delete${n}\` mutation.`);
  out += `type Delete${n}Payload {\n`;
  out += describe(`The ${d.words} that was deleted.`, '  ') + `  ${lowerFirst(n)}: ${n}\n`;
  out += '}\n\n';
  return out;
}

function commonTypes(): string {
  return `${describe('A date in ISO 8601 format, e.g. `2024-01-31`.')}scalar Date

${describe('A date and time in RFC 3339 format with a time zone, e.g. `2024-01-31T23:59:59.000Z`.')}scalar DateTime

${describe('A year, year and month, or full date, e.g. `2024`, `2024-01` or `2024-01-31`.')}scalar HistoryDate

${describe('An identifier for an object in the SEEK API.\n\nIdentifiers are opaque strings and must not be parsed.')}type ObjectIdentifier {
${describe('The identifier value.', '  ')}  value: String!
}

${describe('Pagination metadata for a connection.')}type PageInfo {
${describe('Whether there are more objects after this page.', '  ')}  hasNextPage: Boolean!
${describe('Whether there are objects before this page.', '  ')}  hasPreviousPage: Boolean!
${describe('The cursor of the first edge of this page.', '  ')}  startCursor: String
${describe('The cursor of the last edge of this page.', '  ')}  endCursor: String
}

${describe('A physical address.')}type Address {
${describe('The street address.', '  ')}  line: String
${describe('The city or suburb.', '  ')}  city: String
${describe('The postal code.', '  ')}  postalCode: String
${describe('The ISO 3166-1 country code.', '  ')}  countryCode: String!
}

${describe('An organization that hires through SEEK.')}type HiringOrganization {
${describe('The identifier for the `HiringOrganization`.', '  ')}  id: ObjectIdentifier!
${describe('The name of the hiring organization.', '  ')}  name: String!
${describe('The SEEK API relationships the partner holds with this hirer.', '  ')}  relationshipTypeCodes: [String!]!
}

${describe('A partner organization that integrates with the SEEK API.')}type PartnerOrganization {
${describe('The name of the partner organization.', '  ')}  name: String!
${describe('The identifier of the partner organization.', '  ')}  id: ObjectIdentifier
${describe('Contact email for technical issues.', '  ')}  technicalContactEmail: String
}

${describe('The organizations associated with the current access token.')}type SelfOrganizations {
${describe('The partner organization that owns the access token.', '  ')}  partner: PartnerOrganization!
${describe('The hirer the browser token was issued for, if any.', '  ')}  hirer: HiringOrganization
}

${describe('A signal that something happened in the SEEK API.\n\nEvents are delivered to webhook subscriptions and can be polled.')}interface SeekEvent {
${describe('The identifier for the event.', '  ')}  id: ObjectIdentifier!
${describe('The type of event.', '  ')}  typeCode: String!
${describe('When the event was created.', '  ')}  createDateTime: DateTime!
}

${[
  'PositionProfileClosed',
  'PositionProfilePosted',
  'CandidateApplicationCreated',
  'CandidateProfilePurchased',
]
  .map(
    (e) =>
      `${describe(`An event signaling that ${words(e)}.`)}type ${e}Event implements SeekEvent {
${describe('The identifier for the event.', '  ')}  id: ObjectIdentifier!
${describe('The type of event.', '  ')}  typeCode: String!
${describe('When the event was created.', '  ')}  createDateTime: DateTime!
${describe('The object the event is about.', '  ')}  subjectId: String!
}
`,
  )
  .join('\n')}
${describe('A position profile that is currently posted on a job board.')}type PostedPositionProfile {
${describe('The identifier.', '  ')}  id: ObjectIdentifier!
${describe('The job ad title.', '  ')}  title: String!
${describe('When the ad expires.', '  ')}  expiryDateTime: DateTime
}

${describe('A position profile that is not posted on a job board.')}type UnpostedPositionProfile {
${describe('The identifier.', '  ')}  id: ObjectIdentifier!
${describe('The job ad title.', '  ')}  title: String!
}

${describe('A posted or unposted position profile.')}union AnyPositionProfile = PostedPositionProfile | UnpostedPositionProfile

`;
}

function queryType(domains: Domain[]): string {
  let out = describe('The schema entry point for reading data.');
  out += 'type Query {\n';
  out += describe('The version of the SEEK API.', '  ') + '  version: String!\n';
  out +=
    describe('The organizations the access token is for.', '  ') + '  self: SelfOrganizations!\n';
  out +=
    describe('Polls events for the current partner.', '  ') +
    '  seekEvents(first: Int, after: String): [SeekEvent!]!\n';
  out +=
    describe('A posted or unposted position profile by identifier.', '  ') +
    '  anyPositionProfile(id: String!): AnyPositionProfile\n';
  for (const d of domains) {
    const f = lowerFirst(d.name);
    out += describe(
      `A ${d.words} with the given identifier.\n\nReturns \`null\` if it does not exist or is not accessible.`,
      '  ',
    );
    out += `  ${f}(id: String!): ${d.name}\n`;
    out += describe(`A page of ${d.words} objects matching the filter.`, '  ');
    out += `  ${f}s(first: Int, after: String, filter: ${d.name}FilterInput): ${d.name}Connection!\n`;
    out += describe(`Aggregate figures about ${d.words} objects.`, '  ');
    out += `  ${f}Statistics: ${d.name}Statistics!\n`;
    out += describe(`The number of ${d.words} objects matching the filter.`, '  ');
    out += `  ${f}Count(filter: ${d.name}FilterInput): Int!\n`;
    out += describe(`The statuses a ${d.words} can currently take.`, '  ');
    out += `  ${f}StatusOptions: [${d.name}Status!]!\n`;
  }
  out += '}\n\n';
  return out;
}

function mutationType(domains: Domain[]): string {
  let out = describe('The schema entry point for changing data.');
  out += 'type Mutation {\n';
  for (const d of domains) {
    for (const verb of ['create', 'update']) {
      const V = verb === 'create' ? 'Create' : 'Update';
      out += describe(`${V}s a ${d.words}.`, '  ');
      out += `  ${verb}${d.name}(input: ${V}${d.name}Input!): ${V}${d.name}Payload!\n`;
    }
    out += describe(`Deletes a ${d.words}.`, '  ');
    out += `  delete${d.name}(id: String!): Delete${d.name}Payload!\n`;
  }
  out += '}\n\n';
  return out;
}

export function generateLargeSchemaSdl(): string {
  const domains: Domain[] = DOMAIN_NAMES.map((name) => ({ name, words: words(name) }));
  const mutated = domains.filter((d) => MUTATED.includes(d.name));
  let sdl = commonTypes();
  for (const d of domains) sdl += objectType(d) + supportTypes(d);
  for (const d of mutated) sdl += mutationTypes(d);
  sdl += queryType(domains);
  sdl += mutationType(mutated);
  return sdl;
}

/** Number of named, non-introspection types (including built-in scalars that are used). */
export function countSchemaTypes(sdl: string): number {
  const schema = buildSchema(sdl);
  return Object.values(schema.getTypeMap()).filter((t) => !isIntrospectionType(t)).length;
}

if (require.main === module) {
  const out = process.argv[2];
  const sdl = generateLargeSchemaSdl();
  if (out) writeFileSync(out, sdl);
  else process.stdout.write(sdl);
  const schema = buildSchema(sdl);
  const queryFields = Object.keys(schema.getQueryType()?.getFields() ?? {}).length;
  const mutationFields = Object.keys(schema.getMutationType()?.getFields() ?? {}).length;
  console.error(
    `${out ?? 'stdout'}: ${Buffer.byteLength(sdl)} bytes (${(Buffer.byteLength(sdl) / 1024).toFixed(1)} KB), ` +
      `${countSchemaTypes(sdl)} types, ${queryFields} query fields, ${mutationFields} mutations`,
  );
}
