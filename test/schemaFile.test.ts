import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import request from 'supertest';

import type { SeekSimulator } from '../src/seek/simulator';
import { SERVICE_KEY, startGateway, startSimulator, uniqueClientId } from './support/harness';

const run = promisify(execFile);

describe('schema:pull and SEEK_SCHEMA_FILE', () => {
  let simulator: SeekSimulator;
  let directory: string;

  beforeAll(async () => {
    simulator = await startSimulator({ clientId: uniqueClientId('schema-file') });
    directory = mkdtempSync(path.join(tmpdir(), 'schema-file-'));
  });
  afterAll(async () => {
    await simulator.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('pulls SEEK schema into an SDL file that the gateway then starts from, without introspecting', async () => {
    const file = path.join(directory, 'seek.graphql');
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'scripts/schema-pull.ts', file],
      { env: { PATH: process.env.PATH, SEEK_API_URL: simulator.graphqlUrl }, timeout: 20_000 },
    );
    expect(stdout).toMatch(/wrote .*seek\.graphql: \d+ bytes, \d+ types/);
    const sdl = readFileSync(file, 'utf8');
    expect(sdl).toContain('type SelfOrganizations');
    expect(sdl).toContain('version: String!');

    simulator.clearRequests();
    const gw = await startGateway(simulator, { SEEK_SCHEMA_FILE: file });
    try {
      expect(simulator.count('graphql')).toBe(0);
      const response = await request(gw.gateway.app)
        .post('/graphql')
        .set('authorization', `Bearer ${SERVICE_KEY}`)
        .send({ query: '{ version self { partner { name } } }' });
      expect(response.body.data.self.partner.name).toBe('Simulated Partner');
    } finally {
      await gw.stop();
    }
  });

  it('fails to start with a clear error naming the file when it is not a schema', async () => {
    const file = path.join(directory, 'broken.graphql');
    writeFileSync(file, 'type Query { broken');
    await expect(startGateway(simulator, { SEEK_SCHEMA_FILE: file })).rejects.toThrow(
      /SEEK_SCHEMA_FILE .*broken\.graphql could not be loaded/,
    );
  });

  it('gives up introspecting an unreachable SEEK after bounded retries, with a clear error', async () => {
    const down = await startSimulator({ clientId: uniqueClientId('schema-down') });
    const graphqlUrl = down.graphqlUrl;
    await down.close();
    await expect(startGateway(simulator, { SEEK_API_URL: graphqlUrl })).rejects.toThrow(
      /Could not load SEEK's schema after 2 attempts.*SEEK_API_URL.*SEEK_SCHEMA_FILE/,
    );
  });
});
