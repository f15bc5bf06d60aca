/**
 * Mints a development user JWT for Apollo Sandbox or curl:
 *   npm run dev:token -- --hirer seekAnzPublicTest:organization:seek:93WyyF1h [--user 42] [--hours 12]
 * Uses AUTH_JWT_SECRET, AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE from the environment (the same
 * values the gateway runs with). HS256 only: with AUTH_JWKS_URL, tokens come from your IdP.
 */
import { parseArgs } from 'node:util';

import { mintUserJwt } from '../src/dev/devCredentials';

const { values } = parseArgs({
  options: {
    hirer: { type: 'string', multiple: true },
    user: { type: 'string', default: 'dev-user-1' },
    hours: { type: 'string', default: '12' },
  },
});
const secret = process.env.AUTH_JWT_SECRET;
const issuer = process.env.AUTH_JWT_ISSUER;
const audience = process.env.AUTH_JWT_AUDIENCE;
const hours = Number(values.hours);
if (!secret || !issuer || !audience || !values.hirer?.length || !(hours > 0 && hours <= 24 * 30)) {
  process.stderr.write(
    'usage: AUTH_JWT_SECRET=… AUTH_JWT_ISSUER=… AUTH_JWT_AUDIENCE=… npm run dev:token -- --hirer <hirerId> [--hirer …] [--user <id>]\n',
  );
  process.exit(2);
}
void mintUserJwt({
  secret,
  issuer,
  audience,
  userId: values.user ?? 'dev-user-1',
  hirerIds: values.hirer,
  hirerClaim: process.env.AUTH_HIRER_CLAIM || 'seek_hirer_ids',
  expiresIn: `${hours}h`,
}).then(
  (token) => process.stdout.write(`${token}\n`),
  (error: unknown) => {
    process.stderr.write(`dev:token failed: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
