// Minimal HS256 JWT signing/verification on node:crypto.
//
// Why not jose: the simulator issues and checks tokens synchronously inside its request
// handlers, and jose's API is asynchronous. It needs only HS256 with its own secret, a few
// lines of node:crypto. (The gateway itself verifies user JWTs with jose.)
import { createHmac, timingSafeEqual } from 'node:crypto';

const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

export function signJwt(payload: Record<string, unknown>, secret: Buffer): string {
  const body = `${HEADER}.${base64url(JSON.stringify(payload))}`;
  return `${body}.${hmac(body, secret)}`;
}

/** The payload of a token signed with `secret`, or undefined for anything else. */
export function verifyJwt(token: string, secret: Buffer): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [header, payload, signature] = parts as [string, string, string];
  if (header !== HEADER) return undefined; // also rejects alg "none" and alg switching
  const expected = Buffer.from(hmac(`${header}.${payload}`, secret));
  const actual = Buffer.from(signature);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims)
      ? (claims as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function hmac(data: string, secret: Buffer): string {
  return createHmac('sha256', secret).update(data).digest('base64url');
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
