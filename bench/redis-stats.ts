/** `INFO stats` over a raw socket, for the gateway's Redis commands per request. */
import net from 'node:net';

const REDIS_HOST = '127.0.0.1';
const REDIS_PORT = 6379;

/** Runs one inline command and returns the bulk-string reply. Bounded by `timeoutMs`. */
function redisInline(command: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(REDIS_PORT, REDIS_HOST);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`redis ${command}: timeout`));
    }, timeoutMs);
    const finish = (err: Error | null, value?: string): void => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value ?? '');
    };
    socket.on('connect', () => socket.write(`${command}\r\n`));
    socket.on('error', (err) => finish(err));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const all = Buffer.concat(chunks);
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
  const info = await redisInline('INFO stats');
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
