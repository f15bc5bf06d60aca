/**
 * `INFO stats` over a raw socket, for the gateway's Redis commands per request. The Redis is
 * the one the gateways under test use: REDIS_URL (default redis://127.0.0.1:6379), with its
 * user and password (AUTH) and TLS for rediss://.
 */
import net from 'node:net';
import tls from 'node:tls';

/** The Redis the bench and its gateways use. */
export const BENCH_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The URL as it may be printed: no user or password. */
export const shownRedisUrl = (url = BENCH_REDIS_URL): string => {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return '(unparseable REDIS_URL)';
  }
};

/** One command in RESP (any byte in any argument is safe, unlike an inline command). */
const resp = (args: string[]) =>
  `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;

/** Runs `INFO stats` (after AUTH when the URL has a password) and returns its bulk-string reply. */
function redisInfoStats(timeoutMs = 2000): Promise<string> {
  const url = new URL(BENCH_REDIS_URL);
  const port = Number(url.port || 6379);
  const host = url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  const password = decodeURIComponent(url.password);
  const username = decodeURIComponent(url.username);
  const commands = password
    ? [username ? ['AUTH', username, password] : ['AUTH', password], ['INFO', 'stats']]
    : [['INFO', 'stats']];
  return new Promise((resolve, reject) => {
    const socket =
      url.protocol === 'rediss:'
        ? tls.connect({ port, host, servername: host })
        : net.connect(port, host);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('redis INFO stats: timeout'));
    }, timeoutMs);
    const finish = (err: Error | null, value?: string): void => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value ?? '');
    };
    socket.on(url.protocol === 'rediss:' ? 'secureConnect' : 'connect', () =>
      socket.write(commands.map(resp).join('')),
    );
    socket.on('error', (err) => finish(err));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      let all = Buffer.concat(chunks);
      // The AUTH reply comes first: +OK, or an error.
      if (password) {
        const text = all.toString('latin1');
        const end = text.indexOf('\r\n');
        if (end < 0) return;
        if (text.startsWith('-')) return finish(new Error(text.slice(0, end)));
        all = all.subarray(end + 2);
      }
      const text = all.toString('latin1');
      if (text.startsWith('-')) return finish(new Error(text.trim()));
      const header = /^\$(\d+)\r\n/.exec(text);
      if (!header) return;
      const len = Number(header[1]);
      const start = header[0].length;
      if (all.length >= start + len + 2)
        finish(null, all.subarray(start, start + len).toString('utf8'));
    });
  });
}

export async function totalCommandsProcessed(): Promise<number> {
  const info = await redisInfoStats();
  const value = /total_commands_processed:(\d+)/.exec(info)?.[1];
  if (value === undefined) throw new Error('total_commands_processed missing from INFO stats');
  return Number(value);
}

/**
 * How many commands one before/after pair of our own INFO calls adds to the delta (measured, not
 * assumed: the smallest delta of a few back-to-back pairs). Other Redis clients (tests running
 * on the same Redis) can only make it larger, hence the minimum.
 */
export async function calibrateInfoOverhead(): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const a = await totalCommandsProcessed();
    const b = await totalCommandsProcessed();
    best = Math.min(best, b - a);
  }
  return best;
}

export async function redisAvailable(): Promise<boolean> {
  try {
    await totalCommandsProcessed();
    return true;
  } catch {
    return false;
  }
}
