// The simulator's schema: a small, faithful-in-spirit subset of SEEK's API. Names follow
// SEEK's schema so gateway code written against the simulator carries over.

export const BASE_TYPE_DEFS = /* GraphQL */ `
  "An ISO 8601 calendar date, e.g. 2024-01-31."
  scalar Date

  "An ISO 8601 timestamp with a time zone, e.g. 2024-01-31T09:30:00.000Z."
  scalar DateTime

  type ObjectIdentifier {
    value: String!
  }

  type PartnerOrganization {
    name: String!
  }

  type HiringOrganizationApiCapabilities {
    relationshipTypeCodes: [String!]!
  }

  type HiringOrganization {
    id: ObjectIdentifier!
    name: String!
    seekApiCapabilities: HiringOrganizationApiCapabilities
  }

  type SelfOrganizations {
    partner: PartnerOrganization!
    "Null for a partner token; the token's hirer for a browser token."
    hirer: HiringOrganization
  }

  type Currency {
    code: String!
  }

  type PayType {
    basisCode: String!
    intervalCode: String!
    label: String!
  }

  type JobCategory {
    id: ObjectIdentifier!
    name: String!
    children: [JobCategory!]
  }

  type Location {
    id: ObjectIdentifier!
    name: String!
    contextualName: String!
    countryCode: String!
  }

  interface PositionProfile {
    profileId: ObjectIdentifier!
    positionTitle: String!
  }

  type PostingInstruction {
    start: DateTime
    end: DateTime
  }

  type PostedPositionProfile implements PositionProfile {
    profileId: ObjectIdentifier!
    positionTitle: String!
    postingInstructions: [PostingInstruction!]!
  }

  type UnpostedPositionProfile implements PositionProfile {
    profileId: ObjectIdentifier!
    positionTitle: String!
    createdDateTime: DateTime!
  }

  type ApplicationQuestionnaire {
    id: ObjectIdentifier!
  }

  input CreateApplicationQuestionnaireInput {
    hirerId: String!
    components: [String!]!
  }

  type CreateApplicationQuestionnairePayload {
    applicationQuestionnaire: ApplicationQuestionnaire!
  }

  type WebhookSubscription {
    id: ObjectIdentifier!
    url: String!
    eventTypeCode: String!
    hirerId: ObjectIdentifier
    createdDateTime: DateTime!
  }

  input CreateWebhookSubscriptionInput {
    url: String!
    eventTypeCode: String!
    hirerId: String
  }

  type CreateWebhookSubscriptionPayload {
    webhookSubscription: WebhookSubscription!
  }

  type Query {
    version: String!
    self: SelfOrganizations!
    hiringOrganization(id: String!): HiringOrganization
    currencies(usageTypeCode: String!): [Currency!]!
    payTypes(schemeId: String!): [PayType!]!
    jobCategories(schemeId: String!): [JobCategory!]!
    location(id: String!): Location
    positionProfile(id: String!): PositionProfile
  }

  type Mutation {
    createApplicationQuestionnaire(
      input: CreateApplicationQuestionnaireInput!
    ): CreateApplicationQuestionnairePayload!
    "Partner tokens only."
    createWebhookSubscription(
      input: CreateWebhookSubscriptionInput!
    ): CreateWebhookSubscriptionPayload!
  }
`;

/** Added from schema revision 2 on, so tests can watch the gateway notice a schema change. */
export const REVISION_2_TYPE_DEFS = /* GraphQL */ `
  extend type Query {
    schemaRevision: Int!
  }
`;
