// POST /oauth/token (partner token, client credentials grant) and POST /auth/token (browser
// token). Error bodies follow SEEK: the OAuth endpoint speaks OAuth 2.0 errors, the browser
// token endpoint speaks GraphQL-style `errors[]` with `extensions.code`.
import { isPlainObject, json, tryParseJson, type SimulatorResponse } from './http';
import type { SimulatorState } from './state';

const SCOPE_PATTERN = /^(query|mutate|download):[a-z][a-z-]*$/;

function oauthError(status: number, error: string, description: string): SimulatorResponse {
  return json(status, { error, error_description: description });
}

export function handlePartnerToken(state: SimulatorState, rawBody: string): SimulatorResponse {
  const parsed = tryParseJson(rawBody);
  if (!parsed.ok || !isPlainObject(parsed.value)) {
    return oauthError(400, 'invalid_request', 'Request body must be a JSON object');
  }
  const body = parsed.value;
  if (body.grant_type !== 'client_credentials') {
    return oauthError(400, 'invalid_request', 'grant_type must be client_credentials');
  }
  if (body.client_id !== state.clientId || body.client_secret !== state.clientSecret) {
    return oauthError(401, 'access_denied', 'Unauthorized');
  }
  if (body.audience !== state.audience) {
    return oauthError(400, 'invalid_request', `audience must be ${state.audience}`);
  }
  const lifetime = state.partnerTokenLifetimeSeconds;
  const { accessToken } = state.tokens.issue({
    kind: 'partner',
    clientId: state.clientId,
    audience: state.audience,
    lifetimeSeconds: lifetime,
  });
  return json(200, { access_token: accessToken, expires_in: lifetime, token_type: 'Bearer' });
}

function graphqlStyleError(status: number, code: string, message: string): SimulatorResponse {
  return json(status, { errors: [{ message, extensions: { code } }] });
}

export function handleBrowserToken(
  state: SimulatorState,
  bearer: string | undefined,
  rawBody: string,
): SimulatorResponse {
  if (bearer === undefined) {
    return graphqlStyleError(401, 'UNAUTHENTICATED', 'Missing partner access token');
  }
  const check = state.tokens.check(bearer);
  if (!check.ok) {
    return graphqlStyleError(401, 'UNAUTHENTICATED', `Partner access token is ${check.reason}`);
  }
  if (check.token.kind !== 'partner') {
    return graphqlStyleError(401, 'UNAUTHENTICATED', 'A partner access token is required');
  }

  const parsed = tryParseJson(rawBody);
  if (!parsed.ok || !isPlainObject(parsed.value)) {
    return graphqlStyleError(400, 'BAD_USER_INPUT', 'Request body must be a JSON object');
  }
  const { hirerId, scope, userId } = parsed.value;
  if (typeof hirerId !== 'string' || hirerId === '') {
    return graphqlStyleError(400, 'BAD_USER_INPUT', 'hirerId is required');
  }
  if (typeof userId !== 'string' || userId === '') {
    return graphqlStyleError(400, 'BAD_USER_INPUT', 'userId is required');
  }
  if (typeof scope !== 'string') {
    return graphqlStyleError(400, 'BAD_USER_INPUT', 'scope is required');
  }
  const scopes = scope.split(' ').filter((s) => s !== '');
  const badScope = scopes.find((s) => !SCOPE_PATTERN.test(s));
  if (scopes.length === 0 || badScope !== undefined) {
    return graphqlStyleError(400, 'BAD_USER_INPUT', `Invalid scope: ${badScope ?? '(empty)'}`);
  }
  if (!state.world.hirers.some((hirer) => hirer.id === hirerId)) {
    return graphqlStyleError(403, 'FORBIDDEN', 'Partner has no relationship with this hirer');
  }

  const lifetime = state.browserTokenLifetimeSeconds;
  const { accessToken } = state.tokens.issue({
    kind: 'browser',
    clientId: check.token.clientId,
    audience: state.audience,
    lifetimeSeconds: lifetime,
    hirerId,
    scopes,
    userId,
  });
  return json(200, { access_token: accessToken, expires_in: lifetime, token_type: 'Bearer' });
}
