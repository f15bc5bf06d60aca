// The simulator's schema: a small, faithful-in-spirit subset of SEEK's API. Names follow
// SEEK's schema so gateway code written against the simulator carries over.
//
// The types and fields below the original core (locations with parents, position profiles and
// openings, questionnaires, ad products and brandings, candidates and their process history,
// hirer relationships, events and webhook subscriptions) are trimmed from SEEK's published
// schema so that test/fixtures/seek-operations/ validates here as it would against SEEK. Where
// the simulator has no seed data they resolve to null or an empty list (see resolvers.ts).
//
// Descriptions that name a browser-token scope use SEEK's own wording ("This query accepts
// browser tokens that include the `…` scope."): the gateway reads them to know what a trusted
// document needs (src/documents/scopes.ts), as it does from SEEK's schema.

export const BASE_TYPE_DEFS = /* GraphQL */ `
  "An ISO 8601 calendar date, e.g. 2024-01-31."
  scalar Date

  "An ISO 8601 timestamp with a time zone, e.g. 2024-01-31T09:30:00.000Z."
  scalar DateTime

  "An ISO 8601 year, year and month, or complete date, e.g. 2020, 2020-05 or 2020-05-27."
  scalar HistoryDate

  type ObjectIdentifier {
    value: String!
  }

  type PartnerOrganization {
    name: String!
    credentialSelfServiceApprovedIndicator: Boolean!
  }

  type HiringOrganizationApiCapabilities {
    relationshipTypeCodes: [String!]!
    applicationMethodCodes: [String!]!
  }

  type HiringOrganization {
    id: ObjectIdentifier!
    name: String!
    seekApiCapabilities: HiringOrganizationApiCapabilities
    seekAnzAdvertiserId: Int
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
    parent: JobCategory
  }

  type Location {
    id: ObjectIdentifier!
    name: String!
    contextualName: String!
    countryCode: String!
    parent: Location
    currencies: [Currency!]!
  }

  interface PositionProfile {
    profileId: ObjectIdentifier!
    positionTitle: String!
    seekTypeCode: String!
    positionUri: String!
    positionOrganizations: [HiringOrganization!]!
    positionLocation: [Location!]!
    jobCategories: [JobCategory!]!
    offeredRemunerationPackage: RemunerationPackage!
    positionFormattedDescriptions: [PositionFormattedDescription!]!
    positionScheduleTypeCodes: [String!]
    positionOpening: PositionOpening!
    postingInstructions: [PostingInstruction!]!
    seekAnzWorkTypeCode: String
    seekApplicationQuestionnaire: ApplicationQuestionnaire
    seekBillingReference: String
    seekCreatedBySelfIndicator: Boolean
    seekHirerJobReference: String
    seekPartnerMetadata: String
    seekVideo: SeekVideo
  }

  type PostingInstruction {
    start: DateTime
    end: DateTime
    applicationMethods: [ApplicationMethod!]!
    branding: AdvertisementBranding
    brandingId: String
    seekAdvertisementProduct: PostedPositionProfile_AdvertisementProduct
    seekAnzAdvertisementType: String
  }

  type PostedPositionProfile implements PositionProfile {
    profileId: ObjectIdentifier!
    positionTitle: String!
    postingInstructions: [PostingInstruction!]!
    seekTypeCode: String!
    positionUri: String!
    positionOrganizations: [HiringOrganization!]!
    positionLocation: [Location!]!
    jobCategories: [JobCategory!]!
    offeredRemunerationPackage: RemunerationPackage!
    positionFormattedDescriptions: [PositionFormattedDescription!]!
    positionScheduleTypeCodes: [String!]
    positionOpening: PositionOpening!
    seekAnzWorkTypeCode: String
    seekApplicationQuestionnaire: ApplicationQuestionnaire
    seekApplicationUri: WebUrl
    seekBillingReference: String
    seekCreatedBySelfIndicator: Boolean
    seekHirerJobReference: String
    seekPartnerMetadata: String
    seekVideo: SeekVideo
  }

  type UnpostedPositionProfile implements PositionProfile {
    profileId: ObjectIdentifier!
    positionTitle: String!
    createdDateTime: DateTime!
    profileName: String
    seekTypeCode: String!
    positionUri: String!
    positionOrganizations: [HiringOrganization!]!
    positionLocation: [Location!]!
    jobCategories: [JobCategory!]!
    offeredRemunerationPackage: RemunerationPackage!
    positionFormattedDescriptions: [PositionFormattedDescription!]!
    positionScheduleTypeCodes: [String!]
    positionOpening: PositionOpening!
    postingInstructions: [PostingInstruction!]!
    seekAnzWorkTypeCode: String
    seekApplicationQuestionnaire: ApplicationQuestionnaire
    seekBillingReference: String
    seekCreatedBySelfIndicator: Boolean
    seekHirerJobReference: String
    seekPartnerMetadata: String
    seekVideo: SeekVideo
  }

  type ApplicationQuestionnaire {
    id: ObjectIdentifier!
    hirer: HiringOrganization!
    components: [ApplicationQuestionnaireComponent!]!
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
    "SEEK's name for the creation time (the simulator's createdDateTime)."
    createDateTime: DateTime!
    updateDateTime: DateTime!
    schemeId: String!
    signingAlgorithmCode: String!
    maxEventsPerAttempt: Int!
    hirer: HiringOrganization
    webhookRequests(
      after: String
      before: String
      filter: WebhookRequestFilterInput
      first: Int
      last: Int
    ): WebhookRequestsConnection!
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
    "This query accepts browser tokens that include the \`query:organizations\` scope."
    self: SelfOrganizations!
    "This query accepts browser tokens that include the \`query:organizations\` scope."
    hiringOrganization(id: String!): HiringOrganization
    "This query accepts browser tokens that include the \`query:ontologies\` scope."
    currencies(usageTypeCode: String!): [Currency!]!
    "This query accepts browser tokens that include the \`query:ontologies\` scope."
    payTypes(schemeId: String!): [PayType!]!
    "This query accepts browser tokens that include the \`query:ontologies\` scope."
    jobCategories(schemeId: String!): [JobCategory!]!
    "This query accepts browser tokens that include the \`query:ontologies\` scope."
    location(id: String!): Location
    "This query accepts browser tokens that include the \`query:position-profiles\` scope."
    positionProfile(id: String!): PositionProfile

    "This query accepts browser tokens that include the \`query:organizations\` scope."
    hiringOrganizations(
      after: String
      before: String
      filter: HiringOrganizationsFilterInput
      first: Int
      last: Int
      schemeId: String!
    ): HiringOrganizationsConnection!
    "This query accepts browser tokens that include the \`query:ontologies\` scope."
    jobCategory(id: String!): JobCategory
    "This query accepts browser tokens that include the \`query:ontologies\` scope."
    jobCategorySuggestions(
      first: Int
      positionProfile: JobCategorySuggestionPositionProfileInput!
      schemeId: String!
    ): [JobCategorySuggestionChoice!]!
    "This query accepts browser tokens that include the \`query:ontologies\` scope."
    locationSuggestions(
      first: Int
      hirerId: String
      schemeId: String!
      text: String!
      usageTypeCode: String!
    ): [LocationSuggestion!]
    "This query accepts browser tokens that include the \`query:ontologies\` scope."
    nearestLocations(first: Int, geoLocation: GeoLocationInput!, schemeId: String!): [Location!]
    "This query accepts browser tokens that include the \`query:ontologies\` scope."
    inferLocation(address: SeekPositionAddressInput!, hirerId: String, schemeId: String!): Location
    positionOpening(id: String!): PositionOpening
    "This query accepts browser tokens that include the \`query:posted-position-profile-previews\` scope."
    postedPositionProfilePreview(
      positionProfile: PostedPositionProfilePreview_PositionProfileInput!
    ): PostedPositionProfilePreview!
    "This query accepts browser tokens that include the \`query:ad-products\` scope."
    advertisementProducts(
      limit: Int
      positionProfile: AdvertisementProducts_PositionProfileInput!
      selectedAdvertisementProductId: String
    ): AdvertisementProducts!
    "This query accepts browser tokens that include the \`query:advertisement-brandings\` scope."
    advertisementBrandings(
      after: String
      before: String
      first: Int
      hirerId: String!
      last: Int
    ): AdvertisementBrandingsConnection!
    "This query accepts browser tokens that include the \`query:application-questionnaires\` scope."
    applicationQuestionnaire(id: String!): ApplicationQuestionnaire
    "This query accepts browser tokens that include the \`query:application-library-question-suggestions\` scope."
    applicationLibraryQuestionSuggestions(
      first: Int
      positionProfile: ApplicationLibraryQuestionSuggestions_PositionProfileInput!
      schemeId: String!
    ): [ApplicationLibraryQuestionSuggestion!]!
    candidate(id: String!): Candidate
    candidateProfile(id: String!): CandidateProfile
    candidateProcessHistoryItem(id: String!): CandidateProcessHistoryItem
    event(id: String!): Event
    events(
      after: String
      before: String
      filter: EventsFilterInput
      first: Int
      last: Int
      schemeId: String!
    ): EventsConnection!
    webhookSubscription(id: String!): WebhookSubscription
    webhookSubscriptions(
      after: String
      before: String
      filter: WebhookSubscriptionsFilterInput
      first: Int
      last: Int
      schemeId: String!
    ): WebhookSubscriptionsConnection!
  }

  type Mutation {
    "This mutation accepts browser tokens that include the \`mutate:application-questionnaires\` scope."
    createApplicationQuestionnaire(
      input: CreateApplicationQuestionnaireInput!
    ): CreateApplicationQuestionnairePayload!
    "Partner tokens only."
    createWebhookSubscription(
      input: CreateWebhookSubscriptionInput!
    ): CreateWebhookSubscriptionPayload!
  }

  # ---- Shared shapes ----

  type PageInfo {
    endCursor: String
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
  }

  type WebUrl {
    url: String!
  }

  input WebUrlInput {
    url: String!
  }

  type Organization {
    name: String!
  }

  type PersonName {
    family: String
    formattedName: String!
    given: String
  }

  type Email {
    address: String!
  }

  type Phone {
    formattedNumber: String!
  }

  type GeoLocation {
    latitude: Float!
    longitude: Float!
  }

  input GeoLocationInput {
    latitude: Float!
    longitude: Float!
  }

  type AddressComponent {
    type: String!
    value: String!
  }

  type Address {
    city: String
    countryCode: String
    countrySubDivisions: [AddressComponent!]!
    extendedLines: [AddressComponent!]!
    formattedAddress: String
    geoLocation: GeoLocation
    line: String
    postalCode: String
  }

  type Communication {
    address: [Address!]!
    email: [Email!]!
    phone: [Phone!]!
    seekDoNotContactIndicator: Boolean
  }

  type SpecifiedPerson {
    communication: Communication!
    name: PersonName!
    roleCode: String
  }

  # ---- Locations ----

  type LocationSuggestion {
    location: Location!
  }

  input SeekPositionAddressInput {
    countryCode: String
    formattedAddress: String!
    postalCode: String
  }

  # ---- Job categories ----

  type JobCategorySuggestionChoice {
    confidence: Float!
    jobCategory: JobCategory!
  }

  input PositionFormattedDescriptionInput {
    content: String!
    descriptionId: String!
  }

  input JobCategorySuggestionPositionProfileInput {
    positionFormattedDescriptions: [PositionFormattedDescriptionInput!]
    positionLocation: [String!]!
    positionOrganizations: [String!]
    positionTitle: String!
  }

  # ---- Position profiles and openings ----

  type PositionFormattedDescriptionIdentifier {
    value: String!
  }

  type PositionFormattedDescription {
    content: String!
    descriptionId: PositionFormattedDescriptionIdentifier!
  }

  type RemunerationAmount {
    currency: String!
    value: Float!
  }

  type RemunerationRange {
    intervalCode: String!
    maximumAmount: RemunerationAmount
    minimumAmount: RemunerationAmount!
  }

  type RemunerationPackage {
    basisCode: String!
    descriptions: [String!]!
    ranges: [RemunerationRange!]!
  }

  input RemunerationAmountInput {
    currency: String!
    value: Float!
  }

  input RemunerationRangeInput {
    intervalCode: String!
    maximumAmount: RemunerationAmountInput
    minimumAmount: RemunerationAmountInput!
  }

  input RemunerationPackageInput {
    basisCode: String!
    descriptions: [String!]!
    ranges: [RemunerationRangeInput!]!
  }

  type SeekVideo {
    seekAnzPositionCode: String!
    url: String!
  }

  input SeekVideoInput {
    seekAnzPositionCode: String!
    url: String!
  }

  type ApplicationMethod {
    applicationUri: WebUrl
  }

  input ApplicationMethodInput {
    applicationUri: WebUrlInput
  }

  type PostedPositionProfile_AdvertisementProduct {
    label: String!
  }

  type PostingRequester {
    id: ObjectIdentifier!
    name: String!
    personContacts: [SpecifiedPerson!]!
    roleCode: String!
    seekAnzAdvertiserId: Int
  }

  type PositionProfileEdge {
    cursor: String!
    node: PositionProfile!
  }

  type PositionProfileConnection {
    edges: [PositionProfileEdge!]!
    pageInfo: PageInfo!
  }

  type PositionOpening {
    documentId: ObjectIdentifier!
    paginatedPositionProfiles(after: String, first: Int): PositionProfileConnection!
    postingRequester: PostingRequester!
    seekPartnerMetadata: String
    statusCode: String!
  }

  type PostedPositionProfilePreview {
    previewUri: WebUrl!
  }

  input PostedPositionProfilePreview_RemunerationRangeInput {
    intervalCode: String!
    maximumAmount: RemunerationAmountInput
    minimumAmount: RemunerationAmountInput!
  }

  input PostedPositionProfilePreview_RemunerationPackageInput {
    basisCode: String
    descriptions: [String!]!
    ranges: [PostedPositionProfilePreview_RemunerationRangeInput!]
  }

  input PostedPositionProfilePreview_PostingInstructionInput {
    applicationMethods: [ApplicationMethodInput!]
    brandingId: String
    seekAdvertisementProductId: String
    seekAnzAdvertisementType: String
  }

  input PostedPositionProfilePreview_PositionProfileInput {
    jobCategories: [String!]
    offeredRemunerationPackage: PostedPositionProfilePreview_RemunerationPackageInput!
    positionFormattedDescriptions: [PositionFormattedDescriptionInput!]
    positionLocation: [String!]
    positionOrganizations: [String!]!
    positionTitle: String!
    postingInstructions: [PostedPositionProfilePreview_PostingInstructionInput!]!
    profileId: String
    seekAnzWorkTypeCode: String!
    seekApplicationQuestionnaireId: String
    seekVideo: SeekVideoInput
  }

  # ---- Advertisement products and brandings ----

  type AdvertisementProductFeatures_Branding {
    coverImageIndicator: Boolean!
    logoIndicator: Boolean!
  }

  type AdvertisementProductFeatures_SearchBulletPoints {
    limit: Int!
  }

  type AdvertisementProductFeatures {
    branding: AdvertisementProductFeatures_Branding
    searchBulletPoints: AdvertisementProductFeatures_SearchBulletPoints
  }

  type AdvertisementProductPaymentDetails {
    summary: String!
    summaryHtml: String!
  }

  type AdvertisementProductPriceDetails {
    summary: String!
  }

  type AdvertisementProductSellingPoint {
    text: String!
  }

  type AdvertisementProduct {
    description: String
    features: AdvertisementProductFeatures!
    id: ObjectIdentifier!
    label: String!
    payment: AdvertisementProductPaymentDetails
    price: AdvertisementProductPriceDetails
    selected: Boolean!
    sellingPoints: [AdvertisementProductSellingPoint!]!
  }

  type AdvertisementProducts {
    information: String
    products: [AdvertisementProduct!]!
  }

  input AdvertisementProducts_PositionProfileInput {
    jobCategories: [String!]!
    offeredRemunerationPackage: RemunerationPackageInput
    positionLocation: [String!]!
    positionOrganizations: [String!]!
    positionTitle: String!
    profileId: String
    seekAnzWorkTypeCode: String
  }

  type AdvertisementBrandingImage {
    typeCode: String!
    url: String!
  }

  type AdvertisementBranding {
    hirer: HiringOrganization!
    id: ObjectIdentifier!
    images: [AdvertisementBrandingImage!]!
    name: String!
  }

  type AdvertisementBrandingEdge {
    cursor: String!
    node: AdvertisementBranding!
  }

  type AdvertisementBrandingsConnection {
    "This field accepts browser tokens that include the \`query:organizations\` scope."
    brandManagementUrl: WebUrl
    edges: [AdvertisementBrandingEdge!]!
    pageInfo: PageInfo!
  }

  # ---- Application questionnaires ----

  interface ApplicationQuestionnaireComponent {
    componentTypeCode: String!
    id: ObjectIdentifier!
    value: String
  }

  type ApplicationLibraryQuestionChoice {
    id: ObjectIdentifier!
    text: String!
  }

  type ApplicationLibraryQuestionPreferenceSelection {
    message: String!
    typeCode: String!
  }

  type ApplicationLibraryQuestion {
    id: ObjectIdentifier!
    preferenceSelection: ApplicationLibraryQuestionPreferenceSelection!
    responseChoice: [ApplicationLibraryQuestionChoice!]
    responseTypeCode: String!
    text: String!
  }

  type ApplicationLibraryQuestionSuggestion {
    applicationLibraryQuestion: ApplicationLibraryQuestion!
    id: ObjectIdentifier!
  }

  input ApplicationLibraryQuestionSuggestions_PositionProfileInput {
    jobCategories: [String!]!
    positionFormattedDescriptions: [PositionFormattedDescriptionInput!]
    positionLocation: [String!]!
    positionOrganizations: [String!]!
    positionTitle: String!
  }

  type ApplicationQuestionChoice {
    applicationLibraryQuestionChoice: ApplicationLibraryQuestionChoice
    id: ObjectIdentifier!
    preferredIndicator: Boolean!
    selectedIndicator: Boolean!
    text: String!
    value: String
  }

  type ApplicationQuestion implements ApplicationQuestionnaireComponent {
    applicationLibraryQuestion: ApplicationLibraryQuestion
    componentTypeCode: String!
    id: ObjectIdentifier!
    questionHtml: String!
    responseChoice: [ApplicationQuestionChoice!]
    responseTypeCode: String!
    sourceCode: String!
    value: String
  }

  type ApplicationPrivacyConsent implements ApplicationQuestionnaireComponent {
    componentTypeCode: String!
    descriptionHtml: String
    id: ObjectIdentifier!
    privacyPolicyUrl: WebUrl!
    value: String
  }

  interface ApplicationQuestionnaireComponentResponse {
    component: ApplicationQuestionnaireComponent!
    componentTypeCode: String!
  }

  type ApplicationQuestionAnswer {
    answer: String!
    choice: ApplicationQuestionChoice
  }

  type ApplicationQuestionResponse implements ApplicationQuestionnaireComponentResponse {
    answers: [ApplicationQuestionAnswer!]!
    component: ApplicationQuestion!
    componentTypeCode: String!
    score: Float
  }

  type ApplicationPrivacyConsentResponse implements ApplicationQuestionnaireComponentResponse {
    component: ApplicationPrivacyConsent!
    componentTypeCode: String!
    consentGivenIndicator: Boolean!
  }

  type ApplicationQuestionnaireSubmission {
    questionnaire: ApplicationQuestionnaire!
    responses: [ApplicationQuestionnaireComponentResponse!]!
    score: Float
  }

  # ---- Candidates ----

  type DistributionGuidelines {
    seekProductCodes: [String!]!
  }

  type CandidatePerson {
    communication: Communication!
    name: PersonName!
  }

  type Candidate {
    distributionGuidelines: DistributionGuidelines!
    documentId: ObjectIdentifier!
    person: CandidatePerson!
    profiles(last: Int): [CandidateProfile!]!
    seekPrimaryEmailAddress: String
  }

  type CandidateSource {
    name: String!
    type: String!
  }

  type Attachment {
    descriptions: [String!]!
    id: ObjectIdentifier!
    seekRoleCode: String
    url: String!
  }

  type PositionHistory {
    current: Boolean
    descriptions: [String!]!
    end: HistoryDate
    start: HistoryDate!
    title: String!
  }

  type EmployerHistory {
    organization: Organization!
    positionHistories: [PositionHistory!]!
  }

  type EducationDegree {
    date: HistoryDate
    degreeGrantedStatus: String!
    name: String!
  }

  type EducationAttendance {
    descriptions: [String!]!
    educationDegrees: [EducationDegree!]!
    institution: Organization!
  }

  type EffectiveTimePeriod {
    validTo: HistoryDate
  }

  type Certification {
    descriptions: [String!]!
    effectiveTimePeriod: EffectiveTimePeriod
    issued: HistoryDate
    issuingAuthority: Organization
    name: String!
  }

  type PersonCompetency {
    competencyName: String!
  }

  type CandidateProcessAction {
    code: String!
    description: String
    name: String
    seekUrl: WebUrl
  }

  type CandidateProcessStatus {
    code: String!
  }

  type SeekProcessHistoryItemSource {
    name: String!
  }

  type CandidateProcessParty {
    organization: Organization
    person: SpecifiedPerson
  }

  type CandidateProcessHistoryItem {
    action: CandidateProcessAction!
    actionDate: DateTime!
    candidateProfile: CandidateProfile!
    id: ObjectIdentifier!
    positionProfile: PositionProfile
    primaryParties: [CandidateProcessParty!]!
    seekSource: SeekProcessHistoryItemSource
    status: CandidateProcessStatus
  }

  type CandidateProcessHistoryItemEdge {
    cursor: String!
    node: CandidateProcessHistoryItem!
  }

  type CandidateProcessHistoryItemConnection {
    edges: [CandidateProcessHistoryItemEdge!]!
    pageInfo: PageInfo!
  }

  type CandidateProfile {
    associatedPositionProfile: PositionProfile
    attachments: [Attachment!]!
    candidate: Candidate!
    candidateSources: [CandidateSource!]!
    certifications: [Certification!]!
    createDateTime: DateTime!
    education: [EducationAttendance!]!
    employment: [EmployerHistory!]!
    profileId: ObjectIdentifier!
    qualifications: [PersonCompetency!]!
    seekActions: [CandidateProcessAction!]!
    seekProcessHistory(after: String, first: Int): CandidateProcessHistoryItemConnection
    seekQuestionnaireSubmission: ApplicationQuestionnaireSubmission
    updateDateTime: DateTime!
  }

  # ---- Hirer relationships ----

  type HiringOrganizationEdge {
    cursor: String!
    node: HiringOrganization!
  }

  type HiringOrganizationsConnection {
    edges: [HiringOrganizationEdge!]!
    pageInfo: PageInfo!
  }

  input HiringOrganizationsFilterInput {
    nameSearch: String
    relationshipTypeCodes: [String!]
  }

  # ---- Events and webhooks ----

  interface Event {
    createDateTime: DateTime!
    id: ObjectIdentifier!
    schemeId: String!
    typeCode: String!
  }

  type CandidateApplicationCreatedEvent implements Event {
    candidate: Candidate
    candidateApplicationProfile: CandidateProfile
    candidateApplicationProfileId: String!
    candidateId: String!
    createDateTime: DateTime!
    id: ObjectIdentifier!
    schemeId: String!
    typeCode: String!
  }

  type CandidateProfilePurchasedEvent implements Event {
    candidateProfile: CandidateProfile
    candidateProfileId: String!
    createDateTime: DateTime!
    id: ObjectIdentifier!
    schemeId: String!
    typeCode: String!
  }

  type PositionProfilePostedEvent implements Event {
    createDateTime: DateTime!
    id: ObjectIdentifier!
    positionProfile: PostedPositionProfile
    positionProfileId: String!
    schemeId: String!
    typeCode: String!
  }

  type PositionProfileClosedEvent implements Event {
    createDateTime: DateTime!
    id: ObjectIdentifier!
    positionProfile: PostedPositionProfile
    positionProfileId: String!
    schemeId: String!
    typeCode: String!
  }

  type HirerRelationshipChangedEvent implements Event {
    createDateTime: DateTime!
    hirer: HiringOrganization
    hirerId: String!
    id: ObjectIdentifier!
    schemeId: String!
    typeCode: String!
  }

  type EventEdge {
    cursor: String!
    node: Event!
    streamDateTime: DateTime!
  }

  type EventsConnection {
    edges: [EventEdge!]!
    pageInfo: PageInfo!
  }

  input EventsFilterInput {
    afterDateTime: DateTime
    beforeDateTime: DateTime
    deliveredIndicator: Boolean
    eventTypeCodes: [String!]
    subscriptionId: String
  }

  type WebhookRequest {
    createDateTime: DateTime!
    descriptionCode: String!
    latencyMs: Int
    requestId: String!
    statusCode: Int!
    webhookSubscription: WebhookSubscription
  }

  type WebhookRequestEdge {
    cursor: String!
    node: WebhookRequest!
  }

  type WebhookRequestsConnection {
    edges: [WebhookRequestEdge!]!
    pageInfo: PageInfo!
  }

  input WebhookRequestFilterInput {
    afterDateTime: DateTime
    beforeDateTime: DateTime
    descriptionCodes: [String!]
  }

  type WebhookSubscriptionEdge {
    cursor: String!
    node: WebhookSubscription!
  }

  type WebhookSubscriptionsConnection {
    edges: [WebhookSubscriptionEdge!]!
    pageInfo: PageInfo!
  }

  input WebhookSubscriptionsFilterInput {
    afterDateTime: DateTime
    beforeDateTime: DateTime
    eventTypeCodes: [String!]
    hirerIds: [String!]
  }
`;

/** Added from schema revision 2 on, so tests can watch the gateway notice a schema change. */
export const REVISION_2_TYPE_DEFS = /* GraphQL */ `
  extend type Query {
    schemaRevision: Int!
  }
`;
