import { CONFIG_VARIABLES } from '../../src/config';

// Tests build their own config objects; nothing here may depend on the developer's shell:
// drop the gateway's variables it may have exported (a LOG_LEVEL, a SEEK_CLIENT_ID…), keeping
// only REDIS_URL, which picks the Redis the suites share.
for (const name of CONFIG_VARIABLES) if (name !== 'REDIS_URL') delete process.env[name];
process.env.NODE_ENV = 'test';
process.env.REDIS_URL ??= 'redis://127.0.0.1:6379';
