// The simulator's world: one partner, the hirers it has relationships with, and a little
// reference data. Identifiers follow SEEK's `scheme:type:source:id` shape.
import { seedApplications, type ApplicationData } from './applications';
import type { SimulatedHirer } from './types';

export const DEFAULT_PARTNER_NAME = 'Simulated Partner';

export const DEFAULT_HIRERS: readonly SimulatedHirer[] = [
  { id: 'seekAnzPublicTest:organization:seek:93WyyF1h', name: 'Fake Ltd' },
  { id: 'seekAnzPublicTest:organization:seek:7cDYcGGd', name: 'Acme Recruitment' },
];

/** What a partner–hirer relationship allows; every seeded hirer gets all of them. */
export const RELATIONSHIP_TYPE_CODES = ['ApplicationImport', 'JobPosting', 'ProactiveSourcing'];

export const SEEK_SCHEME_ID = 'seekAnz';

export interface CurrencyData {
  code: string;
}
export interface PayTypeData {
  basisCode: string;
  intervalCode: string;
  label: string;
}
export interface JobCategoryData {
  id: string;
  name: string;
  children?: JobCategoryData[];
}
export interface LocationData {
  id: string;
  name: string;
  contextualName: string;
  countryCode: string;
}
interface PositionProfileBase {
  profileId: string;
  positionTitle: string;
  /** Who owns the profile; drives the access check, not exposed in the schema. */
  hirerId: string;
}
export interface PostedPositionProfileData extends PositionProfileBase {
  postingInstructions: { start: string | null; end: string | null }[];
}
export interface UnpostedPositionProfileData extends PositionProfileBase {
  createdDateTime: string;
}
export type PositionProfileData = PostedPositionProfileData | UnpostedPositionProfileData;

/** Keyed by `usageTypeCode`; other codes have no currencies. */
export const CURRENCIES: Record<string, CurrencyData[]> = {
  SEEKJobPosting: [{ code: 'AUD' }, { code: 'NZD' }, { code: 'HKD' }, { code: 'SGD' }],
};

export const PAY_TYPES: PayTypeData[] = [
  { basisCode: 'Salaried', intervalCode: 'Year', label: 'Annual salary' },
  { basisCode: 'Salaried', intervalCode: 'Month', label: 'Monthly salary' },
  { basisCode: 'Hourly', intervalCode: 'Hour', label: 'Hourly rate' },
  { basisCode: 'SalariedPlusCommission', intervalCode: 'Year', label: 'Annual plus commission' },
];

export const JOB_CATEGORIES: JobCategoryData[] = [
  {
    id: 'seekAnz:jobCategory:seek:27HXTkNXh',
    name: 'Accounting',
    children: [
      { id: 'seekAnz:jobCategory:seek:2X6dm5Hvp', name: 'Accounts Officers/Clerks' },
      { id: 'seekAnz:jobCategory:seek:2sLpfAEr2', name: 'Payroll' },
    ],
  },
  {
    id: 'seekAnz:jobCategory:seek:2tQGe3ASw',
    name: 'Information & Communication Technology',
    children: [
      { id: 'seekAnz:jobCategory:seek:3CmqMn1NT', name: 'Developers/Programmers' },
      { id: 'seekAnz:jobCategory:seek:4fnKUbnWo', name: 'Testing & Quality Assurance' },
    ],
  },
];

export const LOCATIONS: LocationData[] = [
  {
    id: 'seekAnz:location:seek:2FjxhU4Wf',
    name: 'Melbourne',
    contextualName: 'Melbourne VIC 3000 AU',
    countryCode: 'AU',
  },
  {
    id: 'seekAnz:location:seek:2TCFhBSMA',
    name: 'Sydney',
    contextualName: 'Sydney NSW 2000 AU',
    countryCode: 'AU',
  },
  {
    id: 'seekAnz:location:seek:Rr7BLyjq',
    name: 'Auckland',
    contextualName: 'Auckland NZ',
    countryCode: 'NZ',
  },
];

/** Position profiles are seeded for the first two hirers (when they exist). */
export function seedPositionProfiles(hirers: readonly SimulatedHirer[]): PositionProfileData[] {
  const [first, second] = hirers;
  const profiles: PositionProfileData[] = [];
  if (first) {
    profiles.push({
      profileId: 'seekAnzPublicTest:jobPosting:seek:2aKkq2RA',
      positionTitle: 'Senior Developer',
      hirerId: first.id,
      postingInstructions: [{ start: '2024-01-15T00:00:00.000Z', end: '2024-02-14T00:00:00.000Z' }],
    });
    profiles.push({
      profileId: 'seekAnzPublicTest:positionProfile:seek:4VKmHFvU',
      positionTitle: 'Payroll Officer',
      hirerId: first.id,
      createdDateTime: '2024-03-01T09:30:00.000Z',
    });
  }
  if (second) {
    profiles.push({
      profileId: 'seekAnzPublicTest:jobPosting:seek:3bMnW8kx',
      positionTitle: 'Recruitment Consultant',
      hirerId: second.id,
      postingInstructions: [{ start: '2024-04-01T00:00:00.000Z', end: null }],
    });
  }
  return profiles;
}

/** The mutable state one simulator instance works on. */
export interface SimulatorWorld {
  partnerName: string;
  hirers: readonly SimulatedHirer[];
  positionProfiles: PositionProfileData[];
  applicationQuestionnaires: Map<string, { hirerId: string; components: string[] }>;
  webhookSubscriptions: Map<string, WebhookSubscriptionData>;
  /** Candidate applications, with their attachments. */
  applications: ApplicationData[];
  /**
   * The origin `Attachment.url` is on: SEEK's until the server listens, then the simulator's
   * own, so attachments download from it.
   */
  origin: string;
}

export interface WebhookSubscriptionData {
  id: string;
  url: string;
  eventTypeCode: string;
  hirerId: string | null;
  createdDateTime: string;
}

export function createWorld(
  partnerName: string,
  hirers: readonly SimulatedHirer[],
): SimulatorWorld {
  return {
    partnerName,
    hirers,
    positionProfiles: seedPositionProfiles(hirers),
    applicationQuestionnaires: new Map(),
    webhookSubscriptions: new Map(),
    applications: seedApplications(hirers),
    origin: 'https://graphql.seek.com',
  };
}

// ---- Reference data for the fields modelled on SEEK's wider schema ----

/**
 * The seeded locations' ancestry (SEEK's hierarchy runs suburb → region → state → country).
 * Only `LOCATIONS` are returned by location look-ups and suggestions; these are their parents.
 */
export const PARENT_LOCATIONS: LocationData[] = [
  {
    id: 'seekAnz:location:seek:W7NggeKH',
    name: 'Melbourne',
    contextualName: 'Melbourne VIC AU',
    countryCode: 'AU',
  },
  {
    id: 'seekAnz:location:seek:2YtqU5xie',
    name: 'Victoria',
    contextualName: 'VIC AU',
    countryCode: 'AU',
  },
  {
    id: 'seekAnz:location:seek:2dkY4Nnt5',
    name: 'Sydney',
    contextualName: 'Sydney NSW AU',
    countryCode: 'AU',
  },
  {
    id: 'seekAnz:location:seek:2E9VtW8Dd',
    name: 'New South Wales',
    contextualName: 'NSW AU',
    countryCode: 'AU',
  },
  {
    id: 'seekAnz:location:seek:zGyWbTeD',
    name: 'Australia',
    contextualName: 'AU',
    countryCode: 'AU',
  },
  {
    id: 'seekAnz:location:seek:2w3iTHGMz',
    name: 'New Zealand',
    contextualName: 'NZ',
    countryCode: 'NZ',
  },
];

/** Location id → its parent's id. */
export const LOCATION_PARENT_IDS: Readonly<Record<string, string>> = {
  'seekAnz:location:seek:2FjxhU4Wf': 'seekAnz:location:seek:W7NggeKH',
  'seekAnz:location:seek:W7NggeKH': 'seekAnz:location:seek:2YtqU5xie',
  'seekAnz:location:seek:2YtqU5xie': 'seekAnz:location:seek:zGyWbTeD',
  'seekAnz:location:seek:2TCFhBSMA': 'seekAnz:location:seek:2dkY4Nnt5',
  'seekAnz:location:seek:2dkY4Nnt5': 'seekAnz:location:seek:2E9VtW8Dd',
  'seekAnz:location:seek:2E9VtW8Dd': 'seekAnz:location:seek:zGyWbTeD',
  'seekAnz:location:seek:Rr7BLyjq': 'seekAnz:location:seek:2w3iTHGMz',
};

/** Coordinates of the seeded `LOCATIONS`, for nearestLocations. */
export const LOCATION_COORDINATES: Readonly<
  Record<string, { latitude: number; longitude: number }>
> = {
  'seekAnz:location:seek:2FjxhU4Wf': { latitude: -37.8136, longitude: 144.9631 },
  'seekAnz:location:seek:2TCFhBSMA': { latitude: -33.8688, longitude: 151.2093 },
  'seekAnz:location:seek:Rr7BLyjq': { latitude: -36.8485, longitude: 174.7633 },
};

/** Currencies used in a country (SEEK always lists at least one). */
export const COUNTRY_CURRENCIES: Readonly<Record<string, string[]>> = {
  AU: ['AUD'],
  NZ: ['NZD'],
};

export interface AdvertisementProductData {
  id: string;
  label: string;
  description: string;
  priceSummary: string;
  sellingPoints: string[];
  branding: boolean;
  searchBulletPoints: number | null;
}

export const ADVERTISEMENT_PRODUCTS: AdvertisementProductData[] = [
  {
    id: 'seekAnzPublicTest:advertisementProduct:seek:4rSUMbDD',
    label: 'Basic',
    description: 'Our basic job ad',
    priceSummary: 'AUD 250 excl. GST',
    sellingPoints: ['Listed in search results'],
    branding: false,
    searchBulletPoints: null,
  },
  {
    id: 'seekAnzPublicTest:advertisementProduct:seek:7Js3WtBq',
    label: 'Branded',
    description: 'Your logo and brand on the ad',
    priceSummary: 'AUD 350 excl. GST',
    sellingPoints: ['Listed in search results', 'Add your logo and cover image'],
    branding: true,
    searchBulletPoints: 3,
  },
  {
    id: 'seekAnzPublicTest:advertisementProduct:seek:9pWkHyvR',
    label: 'Premium',
    description: 'Top of search results for the first week',
    priceSummary: 'AUD 500 excl. GST',
    sellingPoints: ['Priority placement in search results', 'Add your logo and cover image'],
    branding: true,
    searchBulletPoints: 3,
  },
];
