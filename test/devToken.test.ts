// `npm run dev:token` (scripts/dev-token.ts), run as a newcomer would: it refuses a secret the
// gateway would refuse, prints only a token the gateway's rules accept, and with --gateway asks
// a running gateway whether it takes the token for a user's, so a token minted with other AUTH_*
// values is reported instead of being forwarded to SEEK as a browser token.
import { spawn } from 'node:child_process';

import request from 'supertest';

import type { SeekSimulator } from '../src/seek/simulator';
import {
  FAKE_LTD,
  JWT_AUDIENCE,
  JWT_ISSUER,
  JWT_SECRET,
  serveGateway,
  startGateway,
  startSimulator,
  uniqueClientId,
  type TestGateway,
} from './support/harness';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The script from source (tsx), with exactly these variables (nothing from this shell). */
const devToken = (env: Record<string, string>, args: string[]) =>
  new Promise<Run>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/dev-token.ts', ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });

const AUTH = {
  AUTH_JWT_SECRET: JWT_SECRET,
  AUTH_JWT_ISSUER: JWT_ISSUER,
  AUTH_JWT_AUDIENCE: JWT_AUDIENCE,
};

describe('npm run dev:token', () => {
  it('refuses a secret shorter than the gateway accepts (32 bytes), printing no token', async () => {
    const run = await devToken({ ...AUTH, AUTH_JWT_SECRET: 'too-short-secret' }, [
      '--hirer',
      FAKE_LTD,
    ]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /AUTH_JWT_SECRET: must be at least 32 bytes for HS256, and it is 16 bytes/,
    );
    expect(run.stderr).toMatch(/same AUTH_JWT_SECRET, AUTH_JWT_ISSUER, AUTH_JWT_AUDIENCE/);
  });

  it('refuses to run without the AUTH_* values or a hirer, and says where a token comes from otherwise', async () => {
    const none = await devToken({}, ['--hirer', FAKE_LTD]);
    expect(none.code).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toMatch(
      /set AUTH_JWT_SECRET \(at least 32 bytes\), AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE/,
    );
    expect(none.stderr).toMatch(/embedded default\), use the user token it prints/);
    const noHirer = await devToken(AUTH, []);
    expect(noHirer.code).toBe(2);
    expect(noHirer.stderr).toMatch(/--hirer/);
  });

  describe('against a running gateway (--gateway)', () => {
    let simulator: SeekSimulator;
    const running: Array<{ gw: TestGateway; close: () => Promise<void> }> = [];

    beforeEach(async () => {
      simulator = await startSimulator({ clientId: uniqueClientId('dev-token') });
    });
    afterEach(async () => {
      for (const { gw, close } of running.splice(0)) {
        await close();
        await gw.stop();
      }
      await simulator.close();
    });

    const gatewayWith = async (overrides: Record<string, string>) => {
      const gw = await startGateway(simulator, overrides);
      const served = await serveGateway(gw);
      running.push({ gw, close: served.close });
      simulator.clearRequests();
      return { gw, url: served.url };
    };

    it('prints a token the gateway run with the same values takes for its user', async () => {
      const { gw, url } = await gatewayWith({});
      const run = await devToken(AUTH, ['--hirer', FAKE_LTD, '--user', '317665', '--gateway', url]);
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(/accepts it as the token of user 317665/);
      expect(run.stderr).toMatch(/only if it runs with these same AUTH_JWT_SECRET/);
      const token = run.stdout.trim();
      expect(token.split('.')).toHaveLength(3);

      const granted = await request(gw.gateway.app)
        .post('/graphql')
        .set('authorization', `Bearer ${token}`)
        .send({
          query:
            'mutation { browserToken(hirerId: "' +
            FAKE_LTD +
            '", scope: "query:ontologies") { hirerId } }',
        });
      expect(granted.body).toEqual({ data: { browserToken: { hirerId: FAKE_LTD } } });
    });

    it('reports a gateway with another secret (it answers 401, and SEEK is never called), printing no token', async () => {
      const { gw, url } = await gatewayWith({
        AUTH_JWT_SECRET: 'the-gateway-has-another-secret-of-32-bytes',
      });
      const run = await devToken(AUTH, ['--hirer', FAKE_LTD, '--gateway', url]);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/refused it \(UNAUTHENTICATED/);
      expect(run.stderr).toMatch(/start the gateway with the same AUTH_JWT_SECRET/);
      expect(simulator.requests).toHaveLength(0);

      // The same token on a SEEK query: 401 from the gateway itself, nothing sent to SEEK.
      const minted = await devToken(AUTH, ['--hirer', FAKE_LTD]);
      const token = minted.stdout.trim();
      const response = await request(gw.gateway.app)
        .post('/graphql')
        .set('authorization', `Bearer ${token}`)
        .send({ query: '{ version }' });
      expect(response.status).toBe(401);
      expect(response.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      expect(simulator.requests).toHaveLength(0);
    });

    it('reports a gateway with another issuer, which would forward the token to SEEK as a browser token', async () => {
      const { url } = await gatewayWith({ AUTH_JWT_ISSUER: 'https://another-app.example.test/' });
      const run = await devToken(AUTH, ['--hirer', FAKE_LTD, '--gateway', url]);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/would forward it to SEEK as a browser token/);
      // The check itself asked SEEK nothing: browserToken refuses a browser token up front.
      expect(simulator.requests).toHaveLength(0);
    });
  });
});
