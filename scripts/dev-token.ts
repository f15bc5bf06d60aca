/**
 * Mints a development user JWT for Apollo Sandbox or curl:
 *
 *   AUTH_JWT_SECRET=… AUTH_JWT_ISSUER=… AUTH_JWT_AUDIENCE=… \
 *     npm run -s dev:token -- --hirer <hirerId> [--hirer …] [--user <id>] [--hours 12] [--gateway <url>]
 *
 * It signs with AUTH_JWT_SECRET, AUTH_JWT_ISSUER, AUTH_JWT_AUDIENCE and AUTH_HIRER_CLAIM from
 * the environment, and the gateway accepts the token only if it runs with the same values. The
 * values are checked by the gateway's own rules (a secret of at least 32 bytes for HS256: a
 * shorter one is refused here, as the gateway refuses to start with it), and the token is
 * verified by the gateway's own verifier before it is printed. With `--gateway <url>` it is also
 * shown to a running gateway (it asks for a browser token for the first hirer, scope
 * query:organizations), which says whether it takes the token for one of its users: a token
 * with another issuer would otherwise be taken for a SEEK browser token and refused by SEEK,
 * not by the gateway. HS256 only: with AUTH_JWKS_URL, tokens come from your IdP.
 *
 * The token goes to stdout, everything else to stderr. Exit 2: wrong usage or values; exit 1:
 * the token would not be accepted.
 */
import { parseArgs } from 'node:util';

import { createUserJwtVerifier } from '../src/callers/userJwt';
import { authGroup } from '../src/config/groups/auth';
import { mintUserJwt } from '../src/dev/devCredentials';

const USAGE =
  'usage: AUTH_JWT_SECRET=… AUTH_JWT_ISSUER=… AUTH_JWT_AUDIENCE=… npm run -s dev:token -- --hirer <hirerId> [--hirer …] [--user <id>] [--hours <1-720>] [--gateway <url>]\n' +
  '  The gateway must run with the same AUTH_JWT_SECRET, AUTH_JWT_ISSUER, AUTH_JWT_AUDIENCE (and AUTH_HIRER_CLAIM).\n' +
  '  For `npm start` with no AUTH_* set (the embedded default), use the user token it prints: its secret is new at every start.\n';

const say = (line: string) => process.stderr.write(`dev:token: ${line}\n`);

/** Wrong usage or values: say why, and how to call it. */
const refuse = (problems: string[]): never => {
  for (const problem of problems) say(problem);
  process.stderr.write(USAGE);
  process.exit(2);
};

const readArguments = () => {
  try {
    return parseArgs({
      options: {
        hirer: { type: 'string', multiple: true },
        user: { type: 'string', default: 'dev-user-1' },
        hours: { type: 'string', default: '12' },
        gateway: { type: 'string' },
      },
    }).values;
  } catch (error) {
    return refuse([(error as Error).message]);
  }
};

/** The AUTH_* values, by the gateway's own rules (src/config/groups/auth.ts). */
const readAuth = () => {
  const parsed = authGroup.safeParse(process.env);
  if (!parsed.success) {
    return refuse(
      parsed.error.issues.map((issue) => {
        const variable = issue.path.join('.');
        if (variable === 'AUTH_JWT_SECRET') {
          const bytes = Buffer.byteLength(process.env.AUTH_JWT_SECRET ?? '');
          return `AUTH_JWT_SECRET: ${issue.message}, and it is ${bytes} bytes (the gateway refuses to start with it; e.g. openssl rand -base64 32)`;
        }
        return variable ? `${variable}: ${issue.message}` : issue.message;
      }),
    );
  }
  const auth = parsed.data;
  if (auth.jwksUrl) {
    return refuse([
      'AUTH_JWKS_URL is set: the gateway accepts tokens signed by your IdP, and dev:token can only sign HS256 with AUTH_JWT_SECRET',
    ]);
  }
  if (!auth.secret || !auth.issuer || !auth.audience) {
    return refuse([
      'set AUTH_JWT_SECRET (at least 32 bytes), AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE',
    ]);
  }
  return { ...auth, secret: auth.secret, issuer: auth.issuer, audience: auth.audience };
};

/** What a running gateway makes of the token (`--gateway`): null when it takes it for a user's. */
const askGateway = async (url: string, token: string, hirerId: string) => {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        query:
          'mutation DevTokenCheck($hirerId: String!) { browserToken(hirerId: $hirerId, scope: "query:organizations") { expiresIn } }',
        variables: { hirerId },
      }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    return `could not reach the gateway at ${url} (${(error as Error).message})`;
  }
  const body = (await response.json().catch(() => undefined)) as
    { errors?: Array<{ message?: string; extensions?: { code?: string } }> } | undefined;
  const error = body?.errors?.[0];
  if (error?.extensions?.code === 'UNAUTHENTICATED') {
    return `the gateway refused it (UNAUTHENTICATED: ${error.message ?? ''}): it claims the gateway's issuer but its secret or audience differ from the gateway's`;
  }
  if (error?.extensions?.code === 'FORBIDDEN' && /SEEK browser token/.test(error.message ?? '')) {
    return "the gateway does not take it for one of its users' tokens (another AUTH_JWT_ISSUER, or none): it would forward it to SEEK as a browser token, and SEEK would refuse it";
  }
  if (!body) return `the gateway answered HTTP ${response.status} without a GraphQL body`;
  // Data, or a refusal only a user gets (a hirer, a scope, the rate limit): it is a user's token.
  return null;
};

const main = async () => {
  const values = readArguments();
  const auth = readAuth();
  const hours = Number(values.hours);
  const hirerIds = values.hirer ?? [];
  if (hirerIds.length === 0) refuse(['pass at least one --hirer <hirerId>']);
  if (!(hours > 0 && hours <= 24 * 30)) refuse(['--hours must be more than 0 and at most 720']);
  const userId = values.user ?? 'dev-user-1';

  const token = await mintUserJwt({
    secret: auth.secret,
    issuer: auth.issuer,
    audience: auth.audience,
    userId,
    hirerIds,
    hirerClaim: auth.hirerClaim,
    expiresIn: `${hours}h`,
  });

  // The gateway's own verifier, with the values given: what a gateway run with them accepts.
  const verifier = createUserJwtVerifier({ ...auth, jwksUrl: undefined });
  if (!verifier.claimsOurIssuer(token)) {
    say('the token does not claim AUTH_JWT_ISSUER as the gateway compares it; not printed');
    process.exit(1);
  }
  try {
    const user = await verifier.verify(token);
    if (user.userId !== userId || hirerIds.some((hirer) => !user.hirerIds.includes(hirer))) {
      say(
        'the gateway would read another user or hirer list from it (check AUTH_HIRER_CLAIM); not printed',
      );
      process.exit(1);
    }
  } catch (error) {
    say(`the gateway would refuse the token: ${(error as Error).message}; not printed`);
    process.exit(1);
  }

  if (values.gateway) {
    const problem = await askGateway(values.gateway, token, hirerIds[0] as string);
    if (problem) {
      say(`${values.gateway}: ${problem}`);
      say(
        'start the gateway with the same AUTH_JWT_SECRET, AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE (and AUTH_HIRER_CLAIM); not printed',
      );
      process.exit(1);
    }
    say(`${values.gateway} accepts it as the token of user ${userId}`);
  }

  process.stdout.write(`${token}\n`);
  say(
    `user ${userId}, hirers ${hirerIds.join(', ')}, valid ${hours} h; HS256, iss ${auth.issuer}, aud ${auth.audience}, claim ${auth.hirerClaim}`,
  );
  say(
    'the gateway accepts it only if it runs with these same AUTH_JWT_SECRET, AUTH_JWT_ISSUER, AUTH_JWT_AUDIENCE and AUTH_HIRER_CLAIM values (check with --gateway <url>)',
  );
};

main().catch((error: unknown) => {
  say(`failed: ${(error as Error).message}`);
  process.exit(1);
});
