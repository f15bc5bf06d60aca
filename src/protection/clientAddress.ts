import type { IncomingMessage } from 'node:http';
import { isIP, isIPv6 } from 'node:net';

/**
 * The client's address as the rate limit counts it. X-Forwarded-For is believed for
 * `trustedHops` entries from its right end only (the proxies in front of the gateway add
 * those; anything further left the client may have written itself), as express's
 * `trust proxy = <number>` does. IPv4-mapped IPv6 becomes IPv4; other IPv6 addresses count by
 * their /64, the block one host is given, so rotating addresses within it gains nothing. An
 * IPv4 entry's `:port` is dropped; an entry that is still no IP address (`unknown`, a name,
 * garbage) is not keyed on: the nearest trusted hop's address (the socket's) counts instead.
 */
export const clientAddressOf = (req: IncomingMessage, trustedHops: number): string => {
  const socketAddress = req.socket.remoteAddress ?? 'unknown';
  if (trustedHops === 0) return normalise(socketAddress) ?? 'unknown';
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  const chain = [...forwarded, socketAddress];
  const entry = normalise(chain[Math.max(0, chain.length - 1 - trustedHops)] ?? socketAddress);
  return entry === undefined ? (normalise(socketAddress) ?? 'unknown') : entry;
};

/** The address as counted, or undefined when `address` is no IP address. */
const normalise = (address: string): string | undefined => {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  const v4WithPort = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(address);
  const bare = v4WithPort?.[1] ?? address.replace(/^\[|\](:\d+)?$/g, '').replace(/%.*$/, '');
  if (isIPv6(bare)) return `${prefix64(bare)}::/64`;
  return isIP(bare) === 4 ? bare : undefined;
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
