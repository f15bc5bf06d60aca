import type { IncomingMessage } from 'node:http';
import { isIPv6 } from 'node:net';

/**
 * The client's address as the rate limit counts it. X-Forwarded-For is believed for
 * `trustedHops` entries from its right end only (the proxies in front of the gateway add
 * those; anything further left the client may have written itself), as express's
 * `trust proxy = <number>` does. IPv4-mapped IPv6 becomes IPv4; other IPv6 addresses count by
 * their /64, the block one host is given, so rotating addresses within it gains nothing.
 */
export const clientAddressOf = (req: IncomingMessage, trustedHops: number): string => {
  const socketAddress = req.socket.remoteAddress ?? 'unknown';
  if (trustedHops === 0) return normalise(socketAddress);
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  const chain = [...forwarded, socketAddress];
  return normalise(chain[Math.max(0, chain.length - 1 - trustedHops)] ?? socketAddress);
};

const normalise = (address: string): string => {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  const bare = address.replace(/^\[|\](:\d+)?$/g, '').replace(/%.*$/, '');
  return isIPv6(bare) ? `${prefix64(bare)}::/64` : bare;
};

/** The first four groups of an IPv6 address, `::` expanded. */
const prefix64 = (address: string): string => {
  const [head = '', tail] = address.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups =
    tail === undefined
      ? left
      : [
          ...left,
          ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'),
          ...right,
        ];
  return groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':');
};
