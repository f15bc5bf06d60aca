// Tests build their own config objects; nothing here may depend on the developer's shell.
process.env.NODE_ENV = 'test';
process.env.REDIS_URL ??= 'redis://127.0.0.1:6379';
