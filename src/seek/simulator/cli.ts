// Standalone simulator: `tsx src/seek/simulator/cli.ts` (or node on the build output).
// SIMULATOR_PORT (default 4100) and SIMULATOR_HOST (default 127.0.0.1) choose where it listens.
import { SEEDED_PROFILE_ID, startSeekSimulator } from './index';

async function main(): Promise<void> {
  const port = Number(process.env.SIMULATOR_PORT ?? 4100);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`SIMULATOR_PORT must be a port number, got ${process.env.SIMULATOR_PORT}`);
  }
  const simulator = await startSeekSimulator({
    port,
    host: process.env.SIMULATOR_HOST ?? '127.0.0.1',
  });
  process.stdout.write(
    [
      `SEEK simulator listening on ${simulator.url}`,
      `  partner token:  POST ${simulator.authUrl}`,
      `  browser token:  POST ${simulator.browserTokenUrl}`,
      `  graphql:        POST ${simulator.graphqlUrl}`,
      `  attachments:    GET  ${simulator.url}/anzPublicTest/applications/<id>/attachments/<id> (candidateProfile(id: "${SEEDED_PROFILE_ID}"))`,
      `  client_id:      ${simulator.clientId}`,
      `  client_secret:  ${simulator.clientSecret}`,
      `  audience:       ${simulator.audience}`,
      `  hirers:         ${simulator.hirers.map((h) => `${h.id} (${h.name})`).join(', ')}`,
      '',
    ].join('\n'),
  );

  const shutdown = (signal: NodeJS.Signals): void => {
    process.stdout.write(`${signal} received, closing the simulator\n`);
    simulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`SEEK simulator failed to start: ${String(error)}\n`);
  process.exit(1);
});
