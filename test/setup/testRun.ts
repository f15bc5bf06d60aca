/**
 * Every Redis key a test run writes is namespaced by the client ID it uses (uniqueClientId in
 * test/support/harness.ts): `seek-gateway:<environment>:test-<run>-<label>-<random>:…`. The run
 * id is made once per jest invocation (globalSetup) and handed to the test files through the
 * environment, so the teardown deletes this run's keys and nobody else's: another run on the
 * same Redis (a second worktree, CI) keeps its keys while it still needs them.
 */
export const TEST_RUN_VARIABLE = 'GATEWAY_TEST_RUN';

/** The pattern (Redis SCAN MATCH) of every key the run `run` may have written. */
export const testRunKeyPattern = (run: string) => `seek-gateway:*:test-${run}-*`;
