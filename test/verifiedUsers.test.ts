import {
  VERIFIED_USERS_MAX_CHARS,
  VERIFIED_USERS_MAX_ENTRIES,
  VERIFIED_USERS_MAX_TOKEN_CHARS,
  VERIFIED_USERS_MAX_TTL_MS,
  createVerifiedUsers,
} from '../src/callers/verifiedUsers';

const user = { userId: 'user-1', hirerIds: ['seekAnzPublicTest:organization:seek:93WyyF1h'] };
const inAnHour = () => Math.floor(Date.now() / 1_000) + 3_600;

describe('the verified user JWTs cache', () => {
  it('holds at most its entry bound, whatever is sent', () => {
    const cache = createVerifiedUsers();
    for (let index = 0; index < VERIFIED_USERS_MAX_ENTRIES + 500; index += 1)
      cache.remember(`token-${index}`, user, inAnHour());
    expect(cache.size).toBe(VERIFIED_USERS_MAX_ENTRIES);
  });

  it('holds at most its character bound, and no token over the size cap', () => {
    const cache = createVerifiedUsers();
    const big = VERIFIED_USERS_MAX_TOKEN_CHARS - 100;
    for (let index = 0; index < 5_000; index += 1)
      cache.remember(`${index}-`.padEnd(big, 'x'), user, inAnHour());
    expect(cache.size * big).toBeLessThanOrEqual(VERIFIED_USERS_MAX_CHARS);
    const tooLong = 'y'.repeat(VERIFIED_USERS_MAX_TOKEN_CHARS + 1);
    cache.remember(tooLong, user, inAnHour());
    expect(cache.get(tooLong)).toBeUndefined();
  });

  it('keeps an entry until exp, at most the lifetime cap, and never one already expired', () => {
    let now = 1_000_000_000_000;
    const cache = createVerifiedUsers(() => now);
    cache.remember('expired', user, now / 1_000 - 1);
    cache.remember('no-exp', user, undefined);
    expect(cache.get('expired')).toBeUndefined();
    expect(cache.get('no-exp')).toBeUndefined();
    cache.remember('soon', user, now / 1_000 + 30);
    cache.remember('far', user, now / 1_000 + 86_400);
    expect(cache.get('soon')).toEqual(user);
    now += 31_000;
    expect(cache.get('soon')).toBeUndefined();
    expect(cache.get('far')).toEqual(user);
    now += VERIFIED_USERS_MAX_TTL_MS;
    expect(cache.get('far')).toBeUndefined();
  });
});
