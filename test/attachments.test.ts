// GET /attachments (gateway contract, "Candidate attachments"): a backend service downloads a
// candidate's résumé through the gateway, which adds the partner token. Real HTTP on loopback
// throughout: the gateway on a port of its own, the SEEK simulator serving real bytes, and a
// stand-in server where a trick URL would lead, which must see nothing.
import request from 'supertest';

import { SEEDED_PROFILE_ID, type SeekSimulator } from '../src/seek/simulator';
import { askBrowserToken, everythingSeekSaw } from './support/callers';
import {
  attachmentsPath,
  download,
  generatedSha256,
  openPaused,
  startStandIn,
  type Download,
} from './support/downloads';
import {
  ACME,
  FAKE_LTD,
  SERVICE_KEY,
  serveGateway,
  startGateway,
  startSimulator,
  uniqueClientId,
  userJwt,
  type TestGateway,
} from './support/harness';

const MAX_BYTES = 1_048_576;
const DOWNLOAD_SCOPE = 'download:candidate-profile-attachments';

const CANDIDATE_ATTACHMENTS = `query CandidateAttachments($id: String!) {
  candidateProfile(id: $id) { attachments { seekRoleCode url } }
}`;

let simulator: SeekSimulator;
let gw: TestGateway;
let served: Awaited<ReturnType<typeof serveGateway>>;
let origin: string;
let standIn: Awaited<ReturnType<typeof startStandIn>>;
let resumeUrl: string;
let coverLetterUrl: string;

const asService = { authorization: `Bearer ${SERVICE_KEY}` };

/** The gateway's `attachment request` log lines. */
const attachmentLines = () =>
  gw.logs.lines
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.msg === 'attachment request');
const lineOf = (answer: Download) =>
  attachmentLines().find((line) => line.requestId === answer.headers['x-request-id']);

const errorOf = (answer: Download) =>
  JSON.parse(answer.body?.toString('utf8') ?? '{}') as {
    errors: { message: string; extensions: { code: string; requestId: string } }[];
  };

const downloadsCounted = async (outcome: string) => {
  const metric = await gw.gateway.metrics.attachmentDownloads.get();
  return metric.values.find((value) => value.labels.outcome === outcome)?.value ?? 0;
};

const get = (path: string, headers: Record<string, string> = asService) =>
  download(origin, path, { headers, keep: true });

const browserToken = async (scope: string, hirerId = FAKE_LTD) => {
  const answer = await askBrowserToken(gw, `Bearer ${SERVICE_KEY}`, {
    hirerId,
    scope,
    userId: 'user-317665',
  });
  return (answer.body as { data: { browserToken: { accessToken: string } } }).data.browserToken
    .accessToken;
};

beforeAll(async () => {
  simulator = await startSimulator({ clientId: uniqueClientId('attachments') });
  gw = await startGateway(simulator, {
    ATTACHMENT_MAX_BYTES: String(MAX_BYTES),
    ATTACHMENT_IDLE_TIMEOUT_MS: '300',
    SEEK_TIMEOUT_MS: '1000',
  });
  served = await serveGateway(gw);
  origin = new URL(served.url).origin;
  standIn = await startStandIn();
  const answer = await request(gw.gateway.app)
    .post('/graphql')
    .set(asService)
    .send({ query: CANDIDATE_ATTACHMENTS, variables: { id: SEEDED_PROFILE_ID } });
  const attachments = (
    answer.body as {
      data: { candidateProfile: { attachments: { seekRoleCode: string; url: string }[] } };
    }
  ).data.candidateProfile.attachments;
  resumeUrl = attachments.find((a) => a.seekRoleCode === 'Resume')?.url ?? '';
  coverLetterUrl = attachments.find((a) => a.seekRoleCode === 'CoverLetter')?.url ?? '';
});
afterAll(async () => {
  await standIn.close();
  await served.close();
  await gw.stop();
  await simulator.close();
});
beforeEach(() => {
  simulator.clearFaults();
  simulator.clearRequests();
});

describe('a service downloads a candidate’s files with its key', () => {
  it("gets the résumé byte for byte, with SEEK's three headers and no other", async () => {
    expect(resumeUrl.startsWith(`${simulator.url}/anzPublicTest/applications/`)).toBe(true);
    const direct = await download(simulator.url, new URL(resumeUrl).pathname, {
      headers: { authorization: `Bearer ${(await gw.gateway.partnerTokens.get()).accessToken}` },
      keep: true,
    });
    simulator.clearRequests();

    const answer = await get(attachmentsPath(resumeUrl));
    expect(answer.status).toBe(200);
    expect(answer.failed).toBe(false);
    expect(answer.body?.equals(direct.body ?? Buffer.alloc(0))).toBe(true);
    expect(answer.body?.toString('latin1').startsWith('%PDF-')).toBe(true);
    expect(answer.headers['content-type']).toBe('application/pdf');
    expect(answer.headers['content-length']).toBe(String(direct.bytes));
    // SEEK's file name, written afresh, always as an attachment, in a sandbox.
    expect(direct.headers['content-disposition']).toMatch(
      /^attachment; filename\*=UTF-8''.+\.pdf$/,
    );
    expect(answer.headers['content-disposition']).toMatch(/^attachment; filename="[^"/\\]+\.pdf"$/);
    expect(answer.headers['content-security-policy']).toBe('sandbox');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    // SEEK's other headers stay behind.
    expect(direct.headers['set-cookie']).toBeDefined();
    expect(answer.headers['set-cookie']).toBeUndefined();
    expect(answer.headers['x-seek-internal']).toBeUndefined();

    // One call to SEEK, with the partner token, never the service key.
    const calls = simulator.requests.filter((r) => r.route === 'attachment');
    expect(calls).toHaveLength(1);
    const partner = await gw.gateway.partnerTokens.get();
    expect(calls[0]?.headers.authorization).toBe(`Bearer ${partner.accessToken}`);
    // A fresh x-request-id of its own, logged beside ours.
    const seekRequestId = calls[0]?.headers['x-request-id'];
    expect(seekRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(seekRequestId).not.toBe(answer.headers['x-request-id']);
    expect(everythingSeekSaw(simulator)).not.toContain(SERVICE_KEY);

    expect(lineOf(answer)).toMatchObject({
      caller: 'service',
      status: 200,
      upstreamStatus: 200,
      route: 'attachment',
      outcome: 'ok',
      bytes: direct.bytes,
      download: 'ok',
      seekRequestIds: [seekRequestId],
    });
  });

  it('gets the cover letter, UTF-8 text unchanged', async () => {
    const answer = await get(attachmentsPath(coverLetterUrl));
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(answer.body?.toString('utf8')).toContain('café');
  });

  it('renews a partner token SEEK refuses (401) and tries once more', async () => {
    const before = await gw.gateway.partnerTokens.get();
    simulator.expireTokens();
    const answer = await get(attachmentsPath(resumeUrl));
    expect(answer.status).toBe(200);
    expect(simulator.count('attachment')).toBe(2);
    expect(simulator.count('auth')).toBe(1);
    // The partner-token exchange has an x-request-id of its own too.
    const exchange = simulator.requests.find((r) => r.route === 'auth');
    expect(exchange?.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    // Each call to SEEK has its own x-request-id, both logged, in the order sent.
    const ids = simulator.requests
      .filter((r) => r.route === 'attachment')
      .map((r) => r.headers['x-request-id']);
    expect(new Set(ids).size).toBe(2);
    expect(lineOf(answer)?.seekRequestIds).toEqual(ids);
    const after = await gw.gateway.partnerTokens.get();
    expect(after.accessToken).not.toBe(before.accessToken);
  });

  it('an HTML file SEEK marks inline still goes out as an attachment, sandboxed, not sniffed', async () => {
    simulator.fault('attachment', {
      kind: 'status',
      status: 200,
      body: '<script>alert(document.cookie)</script>',
      headers: {
        'content-type': 'text/html',
        'content-disposition': 'inline; filename="cv.html"',
      },
    });
    const answer = await get(attachmentsPath(resumeUrl));
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/html');
    expect(answer.headers['content-disposition']).toBe('attachment; filename="cv.html"');
    expect(answer.headers['content-security-policy']).toBe('sandbox');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
  });

  it("SEEK's file name is parsed, never passed as raw header text", async () => {
    const cases: [string, string][] = [
      ['attachment; filename="../../etc/passwd"', 'attachment; filename="passwd"'],
      ['inline; filename="a\\"b.pdf"; x=1', 'attachment; filename="ab.pdf"'],
      [
        'attachment; filename="r.pdf"; filename*=UTF-8\'\'r%C3%A9sum%C3%A9.pdf',
        'attachment; filename="r_sum_.pdf"; filename*=UTF-8\'\'r%C3%A9sum%C3%A9.pdf',
      ],
      ['inline', 'attachment'],
      ['attachment; filename="%0d%0aSet-Cookie: x"', 'attachment; filename="0d0aSet-Cookie: x"'],
    ];
    for (const [sent, expected] of cases) {
      simulator.clearFaults();
      simulator.fault('attachment', {
        kind: 'status',
        status: 200,
        body: 'x',
        headers: { 'content-type': 'application/pdf', 'content-disposition': sent },
      });
      const answer = await get(attachmentsPath(resumeUrl));
      expect({ sent, got: answer.headers['content-disposition'] }).toEqual({ sent, got: expected });
    }
  });

  it('passes on SEEK 404 as ATTACHMENT_NOT_FOUND', async () => {
    const missing = resumeUrl.replace(
      /attachments\/[^/]+$/,
      'attachments/seekAnz:attachment:seek:nothere',
    );
    const answer = await get(attachmentsPath(missing));
    expect(answer.status).toBe(404);
    expect(errorOf(answer).errors[0]?.extensions.code).toBe('ATTACHMENT_NOT_FOUND');
    expect(simulator.count('attachment')).toBe(1);
  });

  it('does not follow a redirect from SEEK: 502, and the place it points to sees nothing', async () => {
    simulator.fault('attachment', {
      kind: 'status',
      status: 302,
      headers: { location: `${standIn.origin}/anzPublicTest/applications/a/attachments/b` },
    });
    const answer = await get(attachmentsPath(resumeUrl));
    expect(answer.status).toBe(502);
    expect(errorOf(answer).errors[0]?.extensions.code).toBe('SEEK_BAD_RESPONSE');
    expect(answer.headers.location).toBeUndefined();
    expect(standIn.count()).toBe(0);
    expect(lineOf(answer)).toMatchObject({
      upstreamStatus: 302,
      errorCodes: ['SEEK_BAD_RESPONSE'],
    });
  });
});

describe('who may download', () => {
  it('a browser token with the download scope downloads with its own token', async () => {
    const token = await browserToken(DOWNLOAD_SCOPE);
    // Its exchange went to SEEK with an x-request-id of its own.
    const exchanges = simulator.requests.filter((r) => r.route === 'browserToken');
    expect(exchanges.map((r) => r.headers['x-request-id'])).toEqual([
      expect.stringMatching(/^[0-9a-f-]{36}$/),
    ]);
    simulator.clearRequests();
    const answer = await get(attachmentsPath(resumeUrl), { authorization: `Bearer ${token}` });
    expect(answer.status).toBe(200);
    const calls = simulator.requests.filter((r) => r.route === 'attachment');
    expect(calls.map((call) => call.headers.authorization)).toEqual([`Bearer ${token}`]);
  });

  it("a browser token without the scope: SEEK's 403 passes on as ATTACHMENT_FORBIDDEN", async () => {
    const token = await browserToken('query:organizations');
    simulator.clearRequests();
    const answer = await get(attachmentsPath(resumeUrl), { authorization: `Bearer ${token}` });
    expect(answer.status).toBe(403);
    const [error] = errorOf(answer).errors;
    expect(error?.extensions.code).toBe('ATTACHMENT_FORBIDDEN');
    expect(error?.message).toMatch(/download:candidate-profile-attachments/);
    expect(simulator.count('attachment')).toBe(1);
    expect(lineOf(answer)).toMatchObject({ caller: 'seek-token', upstreamStatus: 403 });
  });

  it('a browser token for another hirer is refused by SEEK the same way', async () => {
    const token = await browserToken(DOWNLOAD_SCOPE, ACME);
    const answer = await get(attachmentsPath(resumeUrl), { authorization: `Bearer ${token}` });
    expect(answer.status).toBe(403);
    expect(errorOf(answer).errors[0]?.extensions.code).toBe('ATTACHMENT_FORBIDDEN');
  });

  it('an expired browser token: 401 UNAUTHENTICATED, and no partner token is tried', async () => {
    const token = await browserToken(DOWNLOAD_SCOPE);
    simulator.expireTokens();
    simulator.clearRequests();
    const answer = await get(attachmentsPath(resumeUrl), { authorization: `Bearer ${token}` });
    expect(answer.status).toBe(401);
    expect(errorOf(answer).errors[0]?.extensions.code).toBe('UNAUTHENTICATED');
    expect(simulator.count('attachment')).toBe(1);
    expect(simulator.count('auth')).toBe(0);
  });

  it('a user JWT: 403 FORBIDDEN; no credential: 401 UNAUTHENTICATED; SEEK never asked', async () => {
    const jwt = await userJwt({ hirerIds: [FAKE_LTD] });
    const asUser = await get(attachmentsPath(resumeUrl), { authorization: `Bearer ${jwt}` });
    expect(asUser.status).toBe(403);
    expect(errorOf(asUser).errors[0]?.extensions.code).toBe('FORBIDDEN');
    const anonymous = await get(attachmentsPath(resumeUrl), {});
    expect(anonymous.status).toBe(401);
    expect(errorOf(anonymous).errors[0]?.extensions.code).toBe('UNAUTHENTICATED');
    expect(simulator.count('attachment')).toBe(0);
    expect(lineOf(asUser)).toMatchObject({ caller: 'user', route: 'refused', outcome: 'rejected' });
  });
});

describe('no open proxy: every other URL is 400 with no outbound call', () => {
  // Each is the raw request target: what a caller could send, not what a client library makes.
  const tricks: [string, () => string][] = [
    ['another host', () => attachmentsPath(`http://example.com${new URL(resumeUrl).pathname}`)],
    ['another port', () => attachmentsPath(`${standIn.origin}${new URL(resumeUrl).pathname}`)],
    ['another scheme', () => attachmentsPath(resumeUrl.replace(/^http:/, 'https:'))],
    ['upper-case scheme', () => attachmentsPath(resumeUrl.replace(/^http:/, 'HTTP:'))],
    ['userinfo', () => attachmentsPath(resumeUrl.replace('//', '//user:pass@'))],
    [
      'userinfo hiding another host',
      () =>
        attachmentsPath(
          resumeUrl.replace(/\/\/[^/]+/, `//${simulator.url.slice(7)}@${standIn.origin.slice(7)}`),
        ),
    ],
    [
      'a dot-dot path',
      () => attachmentsPath(resumeUrl.replace(/attachments\/.*$/, 'attachments/../../../graphql')),
    ],
    [
      '%2e%2e decoded once',
      () => `/attachments?url=${resumeUrl.replace(/attachments\/.*$/, 'attachments/%2e%2e')}`,
    ],
    [
      '%2e%2e sent encoded',
      () => attachmentsPath(resumeUrl.replace(/attachments\/.*$/, 'attachments/%2e%2e')),
    ],
    [
      'an encoded slash',
      () => attachmentsPath(resumeUrl.replace(/attachments\/.*$/, 'attachments/a%2Fb')),
    ],
    ['a backslash', () => attachmentsPath(resumeUrl.replace(/attachments\//, 'attachments\\'))],
    ['an @ in the path', () => attachmentsPath(`${resumeUrl}@${standIn.origin.slice(7)}`)],
    ['a query', () => attachmentsPath(`${resumeUrl}?next=${standIn.origin}`)],
    ['a fragment', () => attachmentsPath(`${resumeUrl}#x`)],
    ['another path on the origin', () => attachmentsPath(`${simulator.url}/graphql`)],
    ['a CR LF', () => attachmentsPath(`${resumeUrl}\r\nx-evil: 1`)],
    ['a space', () => attachmentsPath(`${resumeUrl} `)],
    ['bad percent-encoding', () => '/attachments?url=%E0%A4%A'],
    ['no url', () => '/attachments'],
    ['an empty url', () => '/attachments?url='],
    [
      'a repeated url',
      () => `${attachmentsPath(resumeUrl)}&url=${encodeURIComponent(`${standIn.origin}/x`)}`,
    ],
    ['a second parameter', () => `${attachmentsPath(resumeUrl)}&next=1`],
    ['the parameter named otherwise', () => `/attachments?URL=${encodeURIComponent(resumeUrl)}`],
    ['a relative url', () => attachmentsPath(new URL(resumeUrl).pathname)],
    ['a very long url', () => attachmentsPath(`${resumeUrl}${'a'.repeat(3_000)}`)],
  ];

  it.each(tricks)('%s', async (_name, target) => {
    const answer = await get(target());
    expect(answer.status).toBe(400);
    expect(errorOf(answer).errors[0]?.extensions.code).toBe('ATTACHMENT_URL_REFUSED');
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(simulator.requests).toHaveLength(0);
    expect(standIn.count()).toBe(0);
    expect(lineOf(answer)).toMatchObject({ status: 400, route: 'refused', outcome: 'rejected' });
  });

  it('a method other than GET is 405 with Allow: GET', async () => {
    const answer = await download(origin, attachmentsPath(resumeUrl), {
      headers: asService,
      method: 'POST',
      keep: true,
    });
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('GET');
    expect(errorOf(answer).errors[0]?.extensions.code).toBe('METHOD_NOT_ALLOWED');
    expect(simulator.requests).toHaveLength(0);
  });
});

describe('bounded: size and time', () => {
  it('a file declared over ATTACHMENT_MAX_BYTES is refused before a byte is sent', async () => {
    const url = simulator.addAttachment({ sizeBytes: MAX_BYTES + 1 });
    const before = await downloadsCounted('too_large');
    const answer = await get(attachmentsPath(url));
    expect(answer.status).toBe(502);
    expect(errorOf(answer).errors[0]?.extensions.code).toBe('ATTACHMENT_TOO_LARGE');
    expect(await downloadsCounted('too_large')).toBe(before + 1);
  });

  it('a file sent without a length is cut where it passes the limit: a failed transfer, logged and counted', async () => {
    const size = 3 * MAX_BYTES;
    const url = simulator.addAttachment({ sizeBytes: size, declareLength: false });
    const before = await downloadsCounted('too_large');
    const answer = await download(origin, attachmentsPath(url), { headers: asService });
    expect(answer.status).toBe(200);
    expect(answer.failed).toBe(true);
    expect(answer.bytes).toBeLessThanOrEqual(MAX_BYTES);
    expect(await downloadsCounted('too_large')).toBe(before + 1);
    expect(lineOf(answer)).toMatchObject({
      status: 200,
      outcome: 'error',
      errorCodes: ['ATTACHMENT_TOO_LARGE'],
      download: 'too_large',
    });
  });

  it('a file just within the limit passes whole, sent chunked or with its length', async () => {
    for (const declareLength of [true, false]) {
      const url = simulator.addAttachment({ sizeBytes: MAX_BYTES, declareLength });
      const answer = await download(origin, attachmentsPath(url), { headers: asService });
      expect(answer.status).toBe(200);
      expect(answer.failed).toBe(false);
      expect(answer.sha256).toBe(generatedSha256(MAX_BYTES));
    }
  });

  it('SEEK not answering within SEEK_TIMEOUT_MS: 504 SEEK_TIMEOUT', async () => {
    simulator.fault('attachment', { kind: 'hang' });
    const answer = await get(attachmentsPath(resumeUrl));
    expect(answer.status).toBe(504);
    expect(errorOf(answer).errors[0]?.extensions.code).toBe('SEEK_TIMEOUT');
    expect(simulator.count('attachment')).toBe(1);
  });

  it('a body that stalls past ATTACHMENT_IDLE_TIMEOUT_MS is cut: a failed transfer, logged', async () => {
    const url = simulator.addAttachment({ sizeBytes: 512 * 1024 });
    simulator.fault('attachment', { kind: 'stall', afterBytes: 100_000 });
    const before = await downloadsCounted('idle_timeout');
    const answer = await download(origin, attachmentsPath(url), { headers: asService });
    expect(answer.status).toBe(200);
    expect(answer.failed).toBe(true);
    expect(answer.bytes).toBeLessThan(512 * 1024);
    expect(await downloadsCounted('idle_timeout')).toBe(before + 1);
    expect(lineOf(answer)).toMatchObject({
      errorCodes: ['SEEK_TIMEOUT'],
      download: 'idle_timeout',
    });
  });

  it('SEEK dropping the connection before answering: 502 SEEK_UNAVAILABLE', async () => {
    simulator.fault('attachment', { kind: 'reset' });
    const answer = await get(attachmentsPath(resumeUrl));
    expect(answer.status).toBe(502);
    expect(errorOf(answer).errors[0]?.extensions.code).toBe('SEEK_UNAVAILABLE');
  });
});

/** Resolves once `check` holds, looking again on each turn of a short timer. */
const until = async (check: () => boolean) => {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 10));
};

/** A gateway of its own, for limits the shared one must not have. */
const ownGateway = async (env: Record<string, string>) => {
  const own = await startGateway(simulator, env);
  const ownServed = await serveGateway(own);
  return {
    gw: own,
    origin: new URL(ownServed.url).origin,
    lines: () =>
      own.logs.lines
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => line.msg === 'attachment request'),
    close: async () => {
      await ownServed.close();
      await own.stop();
    },
  };
};

describe('bounded: downloads at once', () => {
  let busy: Awaited<ReturnType<typeof ownGateway>>;
  beforeAll(async () => {
    busy = await ownGateway({
      ATTACHMENT_MAX_BYTES: String(64 * 1_048_576),
      ATTACHMENT_MAX_CONCURRENCY: '3',
      ATTACHMENT_MAX_CONCURRENCY_PER_CALLER: '2',
    });
  });
  afterAll(() => busy.close());

  it('held-open downloads up to the bound leave GraphQL answering; the next is 503 GATEWAY_BUSY at once', async () => {
    // Files too large to fit in the sockets' buffers: a paused caller holds its download open.
    const big = () => simulator.addAttachment({ sizeBytes: 32 * 1_048_576 });
    const tokenOf = async (userId: string) => {
      const answer = await askBrowserToken(busy.gw, `Bearer ${SERVICE_KEY}`, {
        hirerId: FAKE_LTD,
        scope: DOWNLOAD_SCOPE,
        userId,
      });
      return (answer.body as { data: { browserToken: { accessToken: string } } }).data.browserToken
        .accessToken;
    };
    const [first, second] = [await tokenOf('user-1'), await tokenOf('user-2')];
    expect(first).not.toBe(second);
    simulator.clearRequests();

    const held = [
      await openPaused(busy.origin, attachmentsPath(big()), asService),
      await openPaused(busy.origin, attachmentsPath(big()), asService),
    ];
    // The service has its two: a third is refused, while another caller still gets in.
    const perCaller = await download(busy.origin, attachmentsPath(big()), {
      headers: asService,
      keep: true,
    });
    held.push(
      await openPaused(busy.origin, attachmentsPath(big()), { authorization: `Bearer ${first}` }),
    );
    // Three in all: anyone else is refused too.
    const global = await download(busy.origin, attachmentsPath(big()), {
      headers: { authorization: `Bearer ${second}` },
      keep: true,
    });
    expect(held.map((h) => h.status)).toEqual([200, 200, 200]);
    for (const refused of [perCaller, global]) {
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBe('1');
      expect(errorOf(refused).errors[0]?.extensions.code).toBe('GATEWAY_BUSY');
    }
    expect(simulator.count('attachment')).toBe(3);

    // GraphQL calls to SEEK still go through: downloads have a pool of their own.
    const version = await request(busy.gw.gateway.app)
      .post('/graphql')
      .set(asService)
      .send({ query: '{ version }' });
    expect(version.status).toBe(200);
    expect((version.body as { data?: { version?: unknown } }).data?.version).toBeDefined();

    // The callers hang up: their slots come back, and the next download passes.
    for (const h of held) h.close();
    await Promise.all(held.map((h) => h.ended));
    await until(
      () => busy.lines().filter((line) => line.download === 'client_closed').length === 3,
    );
    const after = await download(busy.origin, attachmentsPath(resumeUrl), { headers: asService });
    expect(after.status).toBe(200);
    expect(after.failed).toBe(false);
    expect(busy.lines().map((line) => line.status)).toEqual([503, 503, 200, 200, 200, 200]);
  });
});

describe('bounded: the whole download', () => {
  let slow: Awaited<ReturnType<typeof ownGateway>>;
  beforeAll(async () => {
    slow = await ownGateway({
      ATTACHMENT_TIMEOUT_MS: '500',
      ATTACHMENT_IDLE_TIMEOUT_MS: '60000',
    });
  });
  afterAll(() => slow.close());

  it('a download still going at ATTACHMENT_TIMEOUT_MS is cut: a failed transfer, logged', async () => {
    const url = simulator.addAttachment({ sizeBytes: 512 * 1024 });
    simulator.fault('attachment', { kind: 'stall', afterBytes: 100_000 });
    const answer = await download(slow.origin, attachmentsPath(url), { headers: asService });
    expect(answer.status).toBe(200);
    expect(answer.failed).toBe(true);
    expect(answer.bytes).toBeLessThan(512 * 1024);
    await until(() => slow.lines().length === 1);
    expect(slow.lines()[0]).toMatchObject({
      status: 200,
      outcome: 'error',
      errorCodes: ['REQUEST_TIMEOUT'],
      download: 'timeout',
    });
    const metric = await slow.gw.gateway.metrics.attachmentDownloads.get();
    expect(metric.values.find((value) => value.labels.outcome === 'timeout')?.value).toBe(1);
  });
});

describe('secrets', () => {
  it('no token, key or secret in any answer body, header or log line', async () => {
    const browser = await browserToken(DOWNLOAD_SCOPE);
    const weak = await browserToken('query:organizations');
    const answers = [
      await get(attachmentsPath(resumeUrl)),
      await get(attachmentsPath(resumeUrl), { authorization: `Bearer ${browser}` }),
      await get(attachmentsPath(resumeUrl), { authorization: `Bearer ${weak}` }),
      await get(`${attachmentsPath(resumeUrl)}&url=x`),
    ];
    simulator.expireTokens();
    answers.push(await get(attachmentsPath(resumeUrl), { authorization: `Bearer ${browser}` }));
    answers.push(await get(attachmentsPath(resumeUrl)));
    const partner = (await gw.gateway.partnerTokens.get()).accessToken;
    const secrets = [SERVICE_KEY, browser, weak, partner, simulator.clientSecret];
    const seen = [
      ...answers.map((a) => `${JSON.stringify(a.headers)}\n${a.body?.toString('latin1') ?? ''}`),
      gw.logs.text(),
    ].join('\n');
    for (const secret of secrets) expect(seen).not.toContain(secret);
  });
});
