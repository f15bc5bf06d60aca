// Resolvers over the SimulatorWorld. Scope and partner-only rules are enforced before execution
// (access.ts); what is left here is per-hirer access and input validation.
import { randomBytes } from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { IResolvers } from '@graphql-tools/utils';
import { assertHirerAccess, forbidden, requireToken, type GraphqlContext } from './access';
import { attachmentUrl, type ApplicationData } from './applications';
import { DateScalar, DateTimeScalar, HistoryDateScalar } from './scalars';
import {
  ADVERTISEMENT_PRODUCTS,
  COUNTRY_CURRENCIES,
  CURRENCIES,
  JOB_CATEGORIES,
  LOCATION_COORDINATES,
  LOCATION_PARENT_IDS,
  LOCATIONS,
  PARENT_LOCATIONS,
  PAY_TYPES,
  RELATIONSHIP_TYPE_CODES,
  SEEK_SCHEME_ID,
  type JobCategoryData,
  type LocationData,
  type PositionProfileData,
  type WebhookSubscriptionData,
} from './seedData';
import type { SimulatedHirer } from './types';

export const SIMULATOR_VERSION = 'simulator-1.0.0';

/** SEEK's webhook event types the simulator accepts. */
const WEBHOOK_EVENT_TYPES = new Set([
  'ApplicationSubmitted',
  'CandidateApplicationCreated',
  'CandidateProfilePurchased',
  'PositionProfileClosed',
  'PositionProfilePosted',
]);

const id = (value: string): { value: string } => ({ value });

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

// Opaque SEEK-like ids: alphanumeric, 8 characters.
function newId(type: string): string {
  const suffix = randomBytes(6).toString('base64url').replace(/[-_]/g, 'x').slice(0, 8);
  return `seekAnzPublicTest:${type}:seek:${suffix}`;
}

function hiringOrganization(hirer: SimulatedHirer) {
  return {
    id: id(hirer.id),
    name: hirer.name,
    seekApiCapabilities: { relationshipTypeCodes: RELATIONSHIP_TYPE_CODES },
  };
}

function jobCategory(category: JobCategoryData): unknown {
  return {
    id: id(category.id),
    name: category.name,
    children: category.children?.map(jobCategory) ?? null,
  };
}

function location(data: LocationData) {
  return { ...data, id: id(data.id) };
}

function positionProfile(profile: PositionProfileData) {
  return { ...profile, profileId: id(profile.profileId) };
}

function webhookSubscription(data: WebhookSubscriptionData) {
  return { ...data, id: id(data.id), hirerId: data.hirerId === null ? null : id(data.hirerId) };
}

interface CreateApplicationQuestionnaireArgs {
  input: { hirerId: string; components: string[] };
}
interface CreateWebhookSubscriptionArgs {
  input: { url: string; eventTypeCode: string; hirerId?: string | null };
}

/** `withSchemaRevision` must match whether the schema defines Query.schemaRevision. */
export function createResolvers(withSchemaRevision: boolean): IResolvers<unknown, GraphqlContext> {
  const seekSchema = seekSchemaResolvers();
  return {
    ...seekSchema,
    Date: DateScalar,
    DateTime: DateTimeScalar,

    Query: {
      version: () => SIMULATOR_VERSION,
      // makeExecutableSchema rejects resolvers for fields the schema does not define.
      ...(withSchemaRevision
        ? {
            schemaRevision: (_root: unknown, _args: unknown, context: GraphqlContext) =>
              context.schemaRevision,
          }
        : {}),

      // Resolved field by field below, so `partner { name }` works without the hirer scope.
      self: () => ({}),

      hiringOrganization: (_root: unknown, args: { id: string }, context: GraphqlContext) => {
        assertHirerAccess(context, args.id);
        const hirer = context.world.hirers.find((h) => h.id === args.id);
        return hirer ? hiringOrganization(hirer) : null;
      },

      currencies: (_root: unknown, args: { usageTypeCode: string }) =>
        CURRENCIES[args.usageTypeCode] ?? [],
      payTypes: (_root: unknown, args: { schemeId: string }) =>
        args.schemeId === SEEK_SCHEME_ID ? PAY_TYPES : [],
      jobCategories: (_root: unknown, args: { schemeId: string }) =>
        args.schemeId === SEEK_SCHEME_ID ? JOB_CATEGORIES.map(jobCategory) : [],
      location: (_root: unknown, args: { id: string }) => {
        const found = LOCATIONS.find((l) => l.id === args.id);
        return found ? location(found) : null;
      },

      positionProfile: (_root: unknown, args: { id: string }, context: GraphqlContext) => {
        const profile = context.world.positionProfiles.find((p) => p.profileId === args.id);
        if (!profile) return null;
        assertHirerAccess(context, profile.hirerId);
        return positionProfile(profile);
      },

      ...seekSchema.Query,
    },

    SelfOrganizations: {
      partner: (_self: unknown, _args: unknown, context: GraphqlContext) => ({
        name: context.world.partnerName,
      }),
      hirer: (_self: unknown, _args: unknown, context: GraphqlContext) => {
        const token = requireToken(context);
        if (token.kind === 'partner') return null;
        if (!token.scopes.includes('query:organizations')) {
          throw forbidden('SelfOrganizations.hirer requires the query:organizations scope');
        }
        const hirer = context.world.hirers.find((h) => h.id === token.hirerId);
        return hirer ? hiringOrganization(hirer) : null;
      },
    },

    PositionProfile: {
      // Posted profiles are the ones with posting instructions; nothing else tells them apart.
      __resolveType: (profile: PositionProfileData) =>
        'postingInstructions' in profile ? 'PostedPositionProfile' : 'UnpostedPositionProfile',
    },

    Mutation: {
      createApplicationQuestionnaire: (
        _root: unknown,
        { input }: CreateApplicationQuestionnaireArgs,
        context: GraphqlContext,
      ) => {
        assertHirerAccess(context, input.hirerId);
        if (input.components.length === 0) {
          throw badInput('An application questionnaire needs at least one component');
        }
        const questionnaireId = newId('applicationQuestionnaire');
        context.world.applicationQuestionnaires.set(questionnaireId, {
          hirerId: input.hirerId,
          components: [...input.components],
        });
        return { applicationQuestionnaire: { id: id(questionnaireId) } };
      },

      createWebhookSubscription: (
        _root: unknown,
        { input }: CreateWebhookSubscriptionArgs,
        context: GraphqlContext,
      ) => {
        const hirerId = input.hirerId ?? null;
        if (hirerId !== null) assertHirerAccess(context, hirerId);
        if (!isHttpUrl(input.url)) throw badInput('url must be an absolute http(s) URL');
        if (!WEBHOOK_EVENT_TYPES.has(input.eventTypeCode)) {
          throw badInput(`Unknown eventTypeCode: ${input.eventTypeCode}`);
        }
        const subscription: WebhookSubscriptionData = {
          id: newId('webhookSubscription'),
          url: input.url,
          eventTypeCode: input.eventTypeCode,
          hirerId,
          createdDateTime: new Date().toISOString(),
        };
        context.world.webhookSubscriptions.set(subscription.id, subscription);
        return { webhookSubscription: webhookSubscription(subscription) };
      },
    },
  };
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/** A candidate application as SEEK's CandidateProfile, its attachments on `origin`. */
function candidateProfile(origin: string, application: ApplicationData) {
  const profile: Record<string, unknown> = {
    profileId: id(application.profileId),
    associatedPositionProfile: null,
    attachments: application.attachments.map((attachment) => ({
      id: id(attachment.id),
      descriptions: attachment.descriptions,
      seekRoleCode: attachment.seekRoleCode,
      url: attachmentUrl(origin, application, attachment),
    })),
    candidateSources: [{ name: 'SEEK', type: 'JobBoard' }],
    certifications: [],
    createDateTime: application.createDateTime,
    updateDateTime: application.createDateTime,
    education: [],
    employment: [],
    qualifications: [],
    seekActions: [],
    seekProcessHistory: null,
    seekQuestionnaireSubmission: null,
  };
  profile.candidate = {
    distributionGuidelines: { seekProductCodes: [] },
    documentId: id(application.candidateId),
    seekPrimaryEmailAddress: application.email,
    person: {
      name: {
        given: application.givenName,
        family: application.familyName,
        formattedName: `${application.givenName} ${application.familyName}`,
      },
      communication: { address: [], email: [{ address: application.email }], phone: [] },
    },
    profiles: () => [profile],
  };
  return profile as { candidate: unknown } & Record<string, unknown>;
}

// ---- Fields modelled on SEEK's wider schema (sdl.ts) ----
// Derived from the seed where it has the data, otherwise null or an empty page. Root fields
// not in access.ts's ROOT_FIELD_RULES check their scope (or partner-only rule) here.

const SEEK_SCHEMES = new Set([SEEK_SCHEME_ID, 'seekAnzPublicTest']);
const WEBHOOK_SCHEME_ID = 'seekAnzPublicTest';

function requireScope(context: GraphqlContext, field: string, scope: string): void {
  const token = requireToken(context);
  if (token.kind === 'browser' && !token.scopes.includes(scope)) {
    throw forbidden(`${field} requires the ${scope} scope`);
  }
}

function requirePartner(context: GraphqlContext, field: string): void {
  if (requireToken(context).kind !== 'partner')
    throw forbidden(`${field} requires a partner token`);
}

interface PageArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

/** A Relay connection over `items`, cursors being each item's id (SEEK's are opaque). */
function connection<T>(
  items: readonly T[],
  cursorOf: (item: T) => string,
  args: PageArgs,
  max = 100,
) {
  const { first, last, after, before } = args;
  if (first != null && last != null) throw badInput('first and last cannot be specified together');
  for (const [name, value] of [
    ['first', first],
    ['last', last],
  ] as const) {
    if (value != null && (value < 0 || value > max)) {
      throw badInput(`${name} must be between 0 and ${max}`);
    }
  }
  let start = 0;
  let end = items.length;
  if (after != null) start = items.findIndex((item) => cursorOf(item) === after) + 1;
  if (before != null) {
    const index = items.findIndex((item) => cursorOf(item) === before);
    if (index >= 0) end = index;
  }
  const window = items.slice(start, Math.max(start, end));
  const selected =
    last != null ? window.slice(Math.max(0, window.length - last)) : window.slice(0, first ?? 10);
  const edges = selected.map((node) => ({ cursor: cursorOf(node), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: start + window.indexOf(selected[selected.length - 1] as T) + 1 < end,
      hasPreviousPage: start + (selected.length > 0 ? window.indexOf(selected[0] as T) : 0) > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}

const lastSegment = (value: string) => value.slice(value.lastIndexOf(':') + 1);

function findLocation(locationId: string): LocationData | undefined {
  return (
    LOCATIONS.find((l) => l.id === locationId) ?? PARENT_LOCATIONS.find((l) => l.id === locationId)
  );
}

function allJobCategories(): JobCategoryData[] {
  return JOB_CATEGORIES.flatMap((root) => [root, ...(root.children ?? [])]);
}

function jobCategoryParent(categoryId: string): JobCategoryData | undefined {
  return JOB_CATEGORIES.find((root) => root.children?.some((child) => child.id === categoryId));
}

function distanceKm(a: { latitude: number; longitude: number }, b: typeof a): number {
  const rad = (degrees: number) => (degrees * Math.PI) / 180;
  const h =
    Math.sin(rad(b.latitude - a.latitude) / 2) ** 2 +
    Math.cos(rad(a.latitude)) *
      Math.cos(rad(b.latitude)) *
      Math.sin(rad(b.longitude - a.longitude) / 2) ** 2;
  return 12_742 * Math.asin(Math.sqrt(h));
}

type ResolvedPositionProfile = Omit<PositionProfileData, 'profileId'> & {
  profileId: { value: string };
};

const isPosted = (profile: ResolvedPositionProfile) => 'postingInstructions' in profile;
const positionOpeningId = (profileId: string) =>
  `seekAnzPublicTest:positionOpening:seek:${lastSegment(profileId)}`;
const positionUri = (profile: ResolvedPositionProfile) =>
  isPosted(profile)
    ? `https://www.seek.com.au/job/${lastSegment(profile.profileId.value)}`
    : profile.profileId.value;

function positionOpening(context: GraphqlContext, profile: PositionProfileData) {
  const hirer = context.world.hirers.find((h) => h.id === profile.hirerId);
  return {
    documentId: id(positionOpeningId(profile.profileId)),
    statusCode: 'Active',
    seekPartnerMetadata: null,
    postingRequester: {
      id: id(profile.hirerId),
      name: hirer?.name ?? '',
      roleCode: 'Company',
      personContacts: [],
      seekAnzAdvertiserId: null,
    },
    profiles: [profile],
  };
}

const positionProfileFields = {
  seekTypeCode: (profile: ResolvedPositionProfile) =>
    isPosted(profile) ? 'PostedPositionProfile' : 'UnpostedPositionProfile',
  positionUri,
  positionOrganizations: (
    profile: ResolvedPositionProfile,
    _args: unknown,
    context: GraphqlContext,
  ) => context.world.hirers.filter((h) => h.id === profile.hirerId).map(hiringOrganization),
  positionLocation: () => [],
  jobCategories: () => [],
  positionFormattedDescriptions: () => [],
  offeredRemunerationPackage: () => ({ basisCode: 'Salaried', descriptions: [], ranges: [] }),
  positionOpening: (profile: ResolvedPositionProfile, _args: unknown, context: GraphqlContext) => {
    const data = context.world.positionProfiles.find(
      (p) => p.profileId === profile.profileId.value,
    );
    return data ? positionOpening(context, data) : null;
  },
};

interface StoredComponent {
  componentTypeCode: string;
}

function questionnaireComponents(questionnaireId: string, components: readonly string[]) {
  return components.map((text, index) => ({
    componentTypeCode: 'Question',
    id: id(`${questionnaireId}:component:${index + 1}`),
    value: null,
    questionHtml: text,
    responseTypeCode: 'FreeText',
    sourceCode: 'Custom',
    responseChoice: null,
    applicationLibraryQuestion: null,
  }));
}

function seekSchemaResolvers() {
  return {
    HistoryDate: HistoryDateScalar,

    Query: {
      hiringOrganizations: (
        _root: unknown,
        args: PageArgs & {
          schemeId: string;
          filter?: { nameSearch?: string | null; relationshipTypeCodes?: string[] | null } | null;
        },
        context: GraphqlContext,
      ) => {
        requireScope(context, 'Query.hiringOrganizations', 'query:organizations');
        const token = requireToken(context);
        const nameSearch = args.filter?.nameSearch?.toLowerCase();
        const codes = args.filter?.relationshipTypeCodes;
        const hirers = context.world.hirers
          .filter((h) => token.kind === 'partner' || h.id === token.hirerId)
          .filter((h) => !nameSearch || h.name.toLowerCase().includes(nameSearch))
          // Every seeded hirer has every relationship type.
          .filter(() => !codes || codes.some((code) => RELATIONSHIP_TYPE_CODES.includes(code)))
          .sort((a, b) => a.name.localeCompare(b.name));
        return connection(
          SEEK_SCHEMES.has(args.schemeId) ? hirers.map(hiringOrganization) : [],
          (h) => h.id.value,
          args,
        );
      },

      jobCategory: (_root: unknown, args: { id: string }, context: GraphqlContext) => {
        requireScope(context, 'Query.jobCategory', 'query:ontologies');
        const found = allJobCategories().find((category) => category.id === args.id);
        return found ? jobCategory(found) : null;
      },

      jobCategorySuggestions: (
        _root: unknown,
        args: {
          first?: number | null;
          schemeId: string;
          positionProfile: { positionTitle: string };
        },
        context: GraphqlContext,
      ) => {
        requireScope(context, 'Query.jobCategorySuggestions', 'query:ontologies');
        if (!SEEK_SCHEMES.has(args.schemeId)) return [];
        const words = args.positionProfile.positionTitle.toLowerCase().match(/[a-z]{3,}/g) ?? [];
        return JOB_CATEGORIES.flatMap((root) => root.children ?? [])
          .map((category) => ({
            category,
            matches: words.filter((word) => category.name.toLowerCase().includes(word)).length,
          }))
          .filter(({ matches }) => matches > 0)
          .sort((a, b) => b.matches - a.matches)
          .slice(0, args.first ?? 10)
          .map(({ category, matches }) => ({
            confidence: Math.min(1, 0.5 + 0.2 * matches),
            jobCategory: jobCategory(category),
          }));
      },

      locationSuggestions: (
        _root: unknown,
        args: { first?: number | null; hirerId?: string | null; schemeId: string; text: string },
        context: GraphqlContext,
      ) => {
        requireScope(context, 'Query.locationSuggestions', 'query:ontologies');
        if (args.hirerId) assertHirerAccess(context, args.hirerId);
        const first = args.first ?? 10;
        if (first < 0 || first > 20) throw badInput('first must be between 0 and 20');
        const text = args.text.trim().toLowerCase();
        if (!text || !SEEK_SCHEMES.has(args.schemeId)) return [];
        return LOCATIONS.filter((l) => l.contextualName.toLowerCase().includes(text))
          .slice(0, first)
          .map((l) => ({ location: location(l) }));
      },

      nearestLocations: (
        _root: unknown,
        args: {
          first?: number | null;
          schemeId: string;
          geoLocation: { latitude: number; longitude: number };
        },
        context: GraphqlContext,
      ) => {
        requireScope(context, 'Query.nearestLocations', 'query:ontologies');
        if (!SEEK_SCHEMES.has(args.schemeId)) return [];
        return LOCATIONS.filter((l) => LOCATION_COORDINATES[l.id])
          .map((l) => ({
            l,
            km: distanceKm(args.geoLocation, LOCATION_COORDINATES[l.id] as typeof args.geoLocation),
          }))
          .sort((a, b) => a.km - b.km)
          .slice(0, Math.min(args.first ?? 10, 10))
          .map(({ l }) => location(l));
      },

      inferLocation: (
        _root: unknown,
        args: {
          hirerId?: string | null;
          schemeId: string;
          address: { formattedAddress: string; countryCode?: string | null };
        },
        context: GraphqlContext,
      ) => {
        requireScope(context, 'Query.inferLocation', 'query:ontologies');
        if (args.hirerId) assertHirerAccess(context, args.hirerId);
        const address = args.address.formattedAddress.toLowerCase();
        const found = LOCATIONS.find(
          (l) =>
            address.includes(l.name.toLowerCase()) &&
            (!args.address.countryCode || args.address.countryCode === l.countryCode),
        );
        return found && SEEK_SCHEMES.has(args.schemeId) ? location(found) : null;
      },

      positionOpening: (_root: unknown, args: { id: string }, context: GraphqlContext) => {
        requirePartner(context, 'Query.positionOpening');
        const profile = context.world.positionProfiles.find(
          (p) => positionOpeningId(p.profileId) === args.id,
        );
        if (!profile) return null;
        assertHirerAccess(context, profile.hirerId);
        return positionOpening(context, profile);
      },

      postedPositionProfilePreview: (
        _root: unknown,
        args: { positionProfile: { positionOrganizations: string[] } },
        context: GraphqlContext,
      ) => {
        requireScope(
          context,
          'Query.postedPositionProfilePreview',
          'query:posted-position-profile-previews',
        );
        for (const hirerId of args.positionProfile.positionOrganizations) {
          assertHirerAccess(context, hirerId);
        }
        const previewId = lastSegment(newId('postedPositionProfilePreview'));
        return { previewUri: { url: `https://job-ad-preview.seek.com/${previewId}` } };
      },

      advertisementProducts: (
        _root: unknown,
        args: {
          limit?: number | null;
          selectedAdvertisementProductId?: string | null;
          positionProfile: { positionOrganizations: string[] };
        },
        context: GraphqlContext,
      ) => {
        requireScope(context, 'Query.advertisementProducts', 'query:ad-products');
        for (const hirerId of args.positionProfile.positionOrganizations) {
          assertHirerAccess(context, hirerId);
        }
        if (args.limit != null && args.limit < 3) throw badInput('limit must be at least 3');
        return {
          information: null,
          products: ADVERTISEMENT_PRODUCTS.slice(0, args.limit ?? undefined).map((product) => ({
            id: id(product.id),
            label: product.label,
            description: product.description,
            selected: product.id === args.selectedAdvertisementProductId,
            sellingPoints: product.sellingPoints.map((text) => ({ text })),
            price: { summary: product.priceSummary },
            payment: null,
            features: {
              branding: product.branding
                ? { coverImageIndicator: true, logoIndicator: true }
                : null,
              searchBulletPoints:
                product.searchBulletPoints === null ? null : { limit: product.searchBulletPoints },
            },
          })),
        };
      },

      advertisementBrandings: (
        _root: unknown,
        args: PageArgs & { hirerId: string },
        context: GraphqlContext,
      ) => {
        requireScope(context, 'Query.advertisementBrandings', 'query:advertisement-brandings');
        assertHirerAccess(context, args.hirerId);
        return { brandManagementUrl: null, ...connection([], () => '', args) };
      },

      applicationQuestionnaire: (_root: unknown, args: { id: string }, context: GraphqlContext) => {
        requireScope(context, 'Query.applicationQuestionnaire', 'query:application-questionnaires');
        const stored = context.world.applicationQuestionnaires.get(args.id);
        if (!stored) return null;
        assertHirerAccess(context, stored.hirerId);
        return { id: id(args.id) };
      },

      applicationLibraryQuestionSuggestions: (
        _root: unknown,
        args: { positionProfile: { positionOrganizations: string[] } },
        context: GraphqlContext,
      ) => {
        requireScope(
          context,
          'Query.applicationLibraryQuestionSuggestions',
          'query:application-library-question-suggestions',
        );
        for (const hirerId of args.positionProfile.positionOrganizations) {
          assertHirerAccess(context, hirerId);
        }
        return [];
      },

      // The seeded application (applications.ts); no events yet.
      candidate: (_root: unknown, args: { id: string }, context: GraphqlContext) => {
        requirePartner(context, 'Query.candidate');
        const application = context.world.applications.find((a) => a.candidateId === args.id);
        if (!application) return null;
        assertHirerAccess(context, application.hirerId);
        return candidateProfile(context.world.origin, application).candidate;
      },
      candidateProfile: (_root: unknown, args: { id: string }, context: GraphqlContext) => {
        requirePartner(context, 'Query.candidateProfile');
        const application = context.world.applications.find((a) => a.profileId === args.id);
        if (!application) return null;
        assertHirerAccess(context, application.hirerId);
        return candidateProfile(context.world.origin, application);
      },
      candidateProcessHistoryItem: (_root: unknown, _args: unknown, context: GraphqlContext) => {
        requirePartner(context, 'Query.candidateProcessHistoryItem');
        return null;
      },
      event: (_root: unknown, _args: unknown, context: GraphqlContext) => {
        requirePartner(context, 'Query.event');
        return null;
      },
      events: (_root: unknown, args: PageArgs, context: GraphqlContext) => {
        requirePartner(context, 'Query.events');
        return connection([], () => '', args);
      },

      webhookSubscription: (_root: unknown, args: { id: string }, context: GraphqlContext) => {
        requirePartner(context, 'Query.webhookSubscription');
        const data = context.world.webhookSubscriptions.get(args.id);
        return data ? webhookSubscription(data) : null;
      },

      webhookSubscriptions: (
        _root: unknown,
        args: PageArgs & {
          schemeId: string;
          filter?: {
            afterDateTime?: string | null;
            beforeDateTime?: string | null;
            eventTypeCodes?: string[] | null;
            hirerIds?: string[] | null;
          } | null;
        },
        context: GraphqlContext,
      ) => {
        requirePartner(context, 'Query.webhookSubscriptions');
        const filter = args.filter ?? {};
        const after = filter.afterDateTime ? Date.parse(filter.afterDateTime) : -Infinity;
        const before = filter.beforeDateTime ? Date.parse(filter.beforeDateTime) : Infinity;
        if (args.schemeId !== WEBHOOK_SCHEME_ID) return connection([], () => '', args);
        const subscriptions = [...context.world.webhookSubscriptions.values()]
          .filter((s) => !filter.eventTypeCodes || filter.eventTypeCodes.includes(s.eventTypeCode))
          .filter(
            (s) => !filter.hirerIds || (s.hirerId !== null && filter.hirerIds.includes(s.hirerId)),
          )
          .filter((s) => Date.parse(s.createdDateTime) > after)
          .filter((s) => Date.parse(s.createdDateTime) < before)
          .sort((a, b) => a.createdDateTime.localeCompare(b.createdDateTime))
          .map(webhookSubscription);
        return connection(subscriptions, (s) => s.id.value, args);
      },
    },

    PartnerOrganization: {
      credentialSelfServiceApprovedIndicator: () => false,
    },

    HiringOrganizationApiCapabilities: {
      applicationMethodCodes: () => [],
    },

    Location: {
      parent: (loc: { id: { value: string } }) => {
        const parentId = LOCATION_PARENT_IDS[loc.id.value];
        const parent = parentId === undefined ? undefined : findLocation(parentId);
        return parent ? location(parent) : null;
      },
      currencies: (loc: { countryCode: string }) =>
        (COUNTRY_CURRENCIES[loc.countryCode] ?? ['AUD']).map((code) => ({ code })),
    },

    JobCategory: {
      parent: (category: { id: { value: string } }) => {
        const parent = jobCategoryParent(category.id.value);
        return parent ? jobCategory(parent) : null;
      },
    },

    PostedPositionProfile: {
      ...positionProfileFields,
      seekApplicationUri: (profile: ResolvedPositionProfile) => ({
        url: `${positionUri(profile)}/apply`,
      }),
    },

    UnpostedPositionProfile: {
      ...positionProfileFields,
      postingInstructions: () => [],
    },

    PostingInstruction: {
      applicationMethods: () => [],
    },

    PositionOpening: {
      paginatedPositionProfiles: (opening: { profiles: PositionProfileData[] }, args: PageArgs) =>
        connection(
          opening.profiles.map(positionProfile),
          (profile) => profile.profileId.value,
          args,
          50,
        ),
    },

    ApplicationQuestionnaire: {
      hirer: (
        questionnaire: { id: { value: string } },
        _args: unknown,
        context: GraphqlContext,
      ) => {
        const stored = context.world.applicationQuestionnaires.get(questionnaire.id.value);
        const hirer = context.world.hirers.find((h) => h.id === stored?.hirerId);
        return hirer ? hiringOrganization(hirer) : null;
      },
      components: (
        questionnaire: { id: { value: string } },
        _args: unknown,
        context: GraphqlContext,
      ) =>
        questionnaireComponents(
          questionnaire.id.value,
          context.world.applicationQuestionnaires.get(questionnaire.id.value)?.components ?? [],
        ),
    },

    ApplicationQuestionnaireComponent: {
      __resolveType: (component: StoredComponent) =>
        component.componentTypeCode === 'PrivacyConsent'
          ? 'ApplicationPrivacyConsent'
          : 'ApplicationQuestion',
    },

    ApplicationQuestionnaireComponentResponse: {
      __resolveType: (response: StoredComponent) =>
        response.componentTypeCode === 'PrivacyConsent'
          ? 'ApplicationPrivacyConsentResponse'
          : 'ApplicationQuestionResponse',
    },

    Event: {
      __resolveType: (event: { typeCode: string }) => `${event.typeCode}Event`,
    },

    WebhookSubscription: {
      createDateTime: (s: WebhookSubscriptionData) => s.createdDateTime,
      updateDateTime: (s: WebhookSubscriptionData) => s.createdDateTime,
      schemeId: () => WEBHOOK_SCHEME_ID,
      signingAlgorithmCode: () => 'None',
      maxEventsPerAttempt: () => 10,
      hirer: (
        s: { hirerId: { value: string } | null },
        _args: unknown,
        context: GraphqlContext,
      ) => {
        const hirer = context.world.hirers.find((h) => h.id === s.hirerId?.value);
        return hirer ? hiringOrganization(hirer) : null;
      },
      webhookRequests: (_s: unknown, args: PageArgs) => connection([], () => '', args),
    },
  };
}
