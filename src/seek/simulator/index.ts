// SEEK simulator: a real HTTP server standing in for auth.seek.com and graphql.seek.com.
// Embedded by the gateway when no SEEK credentials are configured, and driven by the tests.
export type {
  RecordedRequest,
  SeekSimulator,
  SeekSimulatorOptions,
  SimulatorFault,
  SimulatorRoute,
  SimulatedAttachment,
} from './types';
export { DOWNLOAD_SCOPE, generatedAttachmentBytes, SEEDED_PROFILE_ID } from './applications';
export { startSeekSimulator } from './server';
