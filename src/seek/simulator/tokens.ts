// Issues and checks the simulator's access tokens.
//
// Tokens are JWT-shaped (so code that peeks at claims sees something realistic), but the Map is
// the source of truth: it is what lets expireTokens() revoke a token before its `exp` claim says
// so, the way SEEK can revoke tokens mid-life.
import { randomBytes, randomUUID } from 'node:crypto';
import { signJwt, verifyJwt } from './jwt';

export const TOKEN_ISSUER = 'https://seek.simulator.invalid/';

export type TokenKind = 'partner' | 'browser';

export interface TokenRecord {
  id: string;
  kind: TokenKind;
  clientId: string;
  /** Browser tokens only: the hirer the token acts for. */
  hirerId?: string;
  /** Browser tokens only: the granted scopes. Partner tokens are not scope-limited. */
  scopes: readonly string[];
  userId?: string;
  /** Epoch milliseconds; mutable so expireTokens() can pull it forward. */
  expiresAt: number;
}

export type TokenCheck =
  { ok: true; token: TokenRecord } | { ok: false; reason: 'invalid' | 'expired' };

export interface IssueRequest {
  kind: TokenKind;
  clientId: string;
  audience: string;
  lifetimeSeconds: number;
  hirerId?: string;
  scopes?: readonly string[];
  userId?: string;
}

/** Expired records are only swept once the map grows past this, to keep issuing O(1) usually. */
const SWEEP_THRESHOLD = 10_000;

export class TokenStore {
  private readonly secret = randomBytes(32);
  private readonly records = new Map<string, TokenRecord>();

  issue(request: IssueRequest): { accessToken: string; record: TokenRecord } {
    if (this.records.size >= SWEEP_THRESHOLD) this.sweepExpired();
    const now = Date.now();
    const record: TokenRecord = {
      id: randomUUID(),
      kind: request.kind,
      clientId: request.clientId,
      hirerId: request.hirerId,
      scopes: request.scopes ?? [],
      userId: request.userId,
      expiresAt: now + request.lifetimeSeconds * 1000,
    };
    this.records.set(record.id, record);
    const accessToken = signJwt(
      {
        iss: TOKEN_ISSUER,
        sub: request.userId ?? request.clientId,
        aud: request.audience,
        iat: Math.floor(now / 1000),
        exp: Math.floor(record.expiresAt / 1000),
        jti: record.id,
        kind: record.kind,
        ...(record.hirerId === undefined ? {} : { hirerId: record.hirerId }),
        ...(record.kind === 'browser' ? { scope: record.scopes.join(' ') } : {}),
        ...(record.userId === undefined ? {} : { userId: record.userId }),
      },
      this.secret,
    );
    return { accessToken, record };
  }

  check(accessToken: string): TokenCheck {
    const claims = verifyJwt(accessToken, this.secret);
    if (claims?.iss !== TOKEN_ISSUER || typeof claims.jti !== 'string') {
      return { ok: false, reason: 'invalid' };
    }
    const record = this.records.get(claims.jti);
    // A swept record was necessarily expired.
    if (record === undefined || record.expiresAt <= Date.now()) {
      return { ok: false, reason: 'expired' };
    }
    return { ok: true, token: record };
  }

  expireAll(): void {
    const now = Date.now();
    for (const record of this.records.values()) {
      record.expiresAt = Math.min(record.expiresAt, now);
    }
  }

  private sweepExpired(): void {
    const now = Date.now();
    for (const [id, record] of this.records) {
      if (record.expiresAt <= now) this.records.delete(id);
    }
  }
}
