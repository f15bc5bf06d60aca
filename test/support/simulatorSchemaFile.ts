import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { printSchema } from 'graphql';

import { schemaForRevision } from '../../src/seek/simulator/executableSchema';

let written: string | undefined;

/**
 * The simulator's schema as an SDL file, for SEEK_SCHEMA_FILE: a gateway that must start under a
 * tight SEEK_TIMEOUT_MS (tests of SEEK timing out) then needs no introspection at start-up, which
 * on a busy machine can take longer than that bound.
 */
export const simulatorSchemaFile = (): string => {
  written ??= (() => {
    const path = join(tmpdir(), `seek-simulator-schema-${process.pid}.graphql`);
    writeFileSync(path, printSchema(schemaForRevision(1)));
    return path;
  })();
  return written;
};
