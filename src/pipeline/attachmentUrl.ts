import { ErrorCode, GatewayError } from '../errors';

/** Longest attachment URL taken; SEEK's are about 150 characters. */
const MAX_URL_CHARS = 2_048;

/**
 * What an attachment URL may hold once decoded: letters, digits and `: / . _ -`. No `%` (so
 * nothing decodes twice), no `\`, `@`, `?`, `#`, whitespace or control characters.
 */
const URL_CHARACTERS = /^[A-Za-z0-9:/._-]+$/;

/** SEEK's shape: `/<scheme>/applications/<id>/attachments/<id>`, ids like `seekAnz:type:seek:x`. */
const ATTACHMENT_PATH =
  /^\/[A-Za-z][A-Za-z0-9]{0,63}\/applications\/[A-Za-z0-9][A-Za-z0-9:_-]{0,255}\/attachments\/[A-Za-z0-9][A-Za-z0-9:_-]{0,255}$/;

const refuse = (message: string) =>
  new GatewayError(ErrorCode.AttachmentUrlRefused, `${message}: nothing was fetched`);

/**
 * The outbound URL check of GET /attachments, the one rule of which URLs the gateway fetches:
 * from the raw request target, exactly one `url` parameter whose value, decoded once, is
 * already in canonical form (a URL parser changes nothing in it), on `seekOrigin` (the origin
 * of SEEK_API_URL: scheme, host and port) with SEEK's attachment path and no query, fragment
 * or userinfo. Anything else throws ATTACHMENT_URL_REFUSED, before any call.
 */
export const attachmentUrlOf = (requestTarget: string, seekOrigin: string): string => {
  const start = requestTarget.indexOf('?');
  const parameters = start === -1 ? [] : requestTarget.slice(start + 1).split('&');
  if (parameters.length !== 1 || !parameters[0]?.startsWith('url=')) {
    throw refuse("Send exactly one parameter, url, with the attachment's URL");
  }
  const raw = parameters[0].slice('url='.length);
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw refuse('The url parameter is not well-formed percent-encoding');
  }
  if (decoded.length === 0 || decoded.length > MAX_URL_CHARS || !URL_CHARACTERS.test(decoded)) {
    throw refuse("The url is not one of SEEK's attachment URLs");
  }
  let parsed: URL;
  try {
    parsed = new URL(decoded);
  } catch {
    throw refuse('The url is not an absolute URL');
  }
  // Canonical already: no dot segments, default port, case or other form the parser rewrites.
  if (parsed.href !== decoded || parsed.username !== '' || parsed.password !== '') {
    throw refuse('The url is not in canonical form');
  }
  if (parsed.origin !== seekOrigin) {
    throw refuse("The url is not on SEEK's origin");
  }
  if (parsed.search !== '' || parsed.hash !== '' || !ATTACHMENT_PATH.test(parsed.pathname)) {
    throw refuse("The url's path is not a SEEK attachment path");
  }
  return parsed.href;
};
