/**
 * An example backend service calling seek-gateway with a service key:
 *
 *   SERVICE_KEY=… npm run example:service
 *
 * 1. a query with the partner token: `version` and `self { partner { name } }`;
 * 2. a browser token for one of the service's users and a hirer (`browserToken` with `userId`),
 *    which the service would hand to that user's frontend;
 * 3. a candidate's application (`candidateProfile`) and the download of its résumé through the
 *    gateway's `GET /attachments` (the partner token stays in the gateway).
 *
 * Environment: SERVICE_KEY (required: a key in the gateway's GATEWAY_API_KEYS, or the one
 * `npm start` prints on the embedded default), GATEWAY_URL (http://localhost:4000/graphql),
 * HIRER_ID (the Playground's and the simulator's seekAnzPublicTest:organization:seek:93WyyF1h),
 * USER_ID (an anonymous ID of the end user: example-user-1), SCOPE (query:organizations),
 * CANDIDATE_PROFILE_ID (the simulator's seeded application,
 * seekAnzPublicTest:candidateProfile:seek:2Qc3n4QC; in production the ID a webhook brought),
 * RETRY_BASE_MS (250) and MAX_ATTEMPTS (3).
 *
 * It prints one line per step; on a failure it prints what failed, why, whether it was retried
 * and the gateway's request id, and exits 1.
 */
import { createGatewayClient, GatewayRequestError } from './gatewayClient';
import { BrowserTokenForUser, CandidateAttachments, ServiceStatus } from './operations';

const positiveInteger = (name: string, fallback: number) => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number`);
  return value;
};

/** What a service should do about each code it cannot retry: whom to tell, what to check. */
const ADVICE: Record<string, string> = {
  UNAUTHENTICATED:
    'the gateway does not know this service key: check SERVICE_KEY against GATEWAY_API_KEYS',
  FORBIDDEN:
    'SEEK (or the gateway) refused access: the partner has no relationship with this hirer, or the operation is not allowed (Playground mutations)',
  RATE_LIMITED: 'too many requests: the wait asked for (Retry-After) was longer than we accept',
  SEEK_UNAVAILABLE: 'SEEK stayed unavailable through every retry: try again later',
  SEEK_TIMEOUT: 'SEEK stayed too slow through every retry: try again later',
  SEEK_AUTH_UNAVAILABLE: "SEEK's auth server stayed unavailable through every retry",
  SEEK_AUTH_REJECTED:
    "SEEK rejected the gateway's client credentials: the gateway's operator must fix them",
  GATEWAY_UNREACHABLE: 'the gateway could not be reached: check GATEWAY_URL',
  ATTACHMENT_FORBIDDEN: 'SEEK refused the download: the partner has no access to this application',
  ATTACHMENT_NOT_FOUND: 'SEEK has no such attachment (any more)',
  ATTACHMENT_TOO_LARGE: "the file is larger than the gateway's ATTACHMENT_MAX_BYTES",
};

const main = async () => {
  const serviceKey = process.env.SERVICE_KEY;
  if (!serviceKey) {
    process.stderr.write(
      'set SERVICE_KEY: a key listed in the gateway\'s GATEWAY_API_KEYS (with the embedded default, the "Service key" npm start prints)\n',
    );
    process.exit(2);
  }
  const url = process.env.GATEWAY_URL || 'http://localhost:4000/graphql';
  const hirerId = process.env.HIRER_ID || 'seekAnzPublicTest:organization:seek:93WyyF1h';
  const userId = process.env.USER_ID || 'example-user-1';
  const scope = process.env.SCOPE || 'query:organizations';
  const profileId =
    process.env.CANDIDATE_PROFILE_ID || 'seekAnzPublicTest:candidateProfile:seek:2Qc3n4QC';
  const client = createGatewayClient({
    url,
    serviceKey,
    baseDelayMs: positiveInteger('RETRY_BASE_MS', 250),
    maxAttempts: positiveInteger('MAX_ATTEMPTS', 3),
    onRetry: ({ operation, code, attempt, waitMs }) =>
      process.stdout.write(
        `retrying ${operation} after ${code} (attempt ${attempt}, waiting ${waitMs} ms)\n`,
      ),
  });
  process.stdout.write(`gateway: ${url}\n`);

  const status = await client.request(ServiceStatus, {});
  process.stdout.write(
    `version: ${status.data.version}, partner: ${status.data.self.partner.name}\n`,
  );

  // Asking again for the same token is harmless (the gateway caches it), so a retry is safe.
  const granted = await client.request(
    BrowserTokenForUser,
    { hirerId, scope, userId },
    { idempotent: true },
  );
  const token = granted.data.browserToken;
  // The token itself goes to the user's frontend, never to a log.
  process.stdout.write(
    `browser token: hirer ${token.hirerId}, scope ${token.scope}, user ${userId}, expires in ${token.expiresIn} s\n`,
  );

  const application = await client.request(CandidateAttachments, { id: profileId });
  const profile = application.data.candidateProfile;
  if (!profile) throw new Error(`no candidate profile ${profileId}`);
  const resume = profile.attachments.find((attachment) => attachment.seekRoleCode === 'Resume');
  if (!resume)
    throw new Error(
      `the application of ${profile.candidate.person.name.formattedName} has no résumé`,
    );
  const file = await client.download(resume.url);
  process.stdout.write(
    `résumé of ${profile.candidate.person.name.formattedName}: ${file.fileName ?? 'unnamed'}, ${file.contentType}, ${file.bytes.length} bytes\n`,
  );
};

main().catch((error: unknown) => {
  if (error instanceof GatewayRequestError) {
    const { code, attempts, retryable, requestId } = error.details;
    const tried = retryable
      ? `gave up after ${attempts} attempts`
      : `not retried (${attempts} attempt${attempts === 1 ? '' : 's'})`;
    process.stdout.write(
      `failed: ${error.message}\n  ${tried}; request id ${requestId ?? 'none'}\n  ${ADVICE[code] ?? 'fix the request or the configuration; retrying cannot help'}\n`,
    );
  } else {
    process.stdout.write(`failed: ${(error as Error).message}\n`);
  }
  process.exit(1);
});
