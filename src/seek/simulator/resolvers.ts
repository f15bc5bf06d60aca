// Resolvers over the SimulatorWorld. Scope and partner-only rules are enforced before execution
// (access.ts); what is left here is per-hirer access and input validation.
import { randomBytes } from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { IResolvers } from '@graphql-tools/utils';
import { assertHirerAccess, forbidden, requireToken, type GraphqlContext } from './access';
import { DateScalar, DateTimeScalar } from './scalars';
import {
  CURRENCIES,
  JOB_CATEGORIES,
  LOCATIONS,
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
  return {
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
