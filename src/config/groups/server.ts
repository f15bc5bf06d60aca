import { z } from 'zod';

import packageJson from '../../../package.json';
import { integer, optionalString, runtimeEnvironment, text } from '../fields';

/** The gateway itself: which environment it runs in, where it listens, the name it gives SEEK. */
export const serverGroup = z
  .object({
    NODE_ENV: runtimeEnvironment,
    PORT: integer(4000, 0, 65_535),
    HOST: text('0.0.0.0'),
    USER_AGENT: optionalString
      .transform((value) => value ?? `${packageJson.name}/${packageJson.version}`)
      .pipe(
        z
          .string()
          .regex(/^[\x21-\x7e][\x20-\x7e]{0,199}$/, 'must be printable ASCII, e.g. name/1.2.3'),
      ),
  })
  .transform((values) => ({
    environment: values.NODE_ENV,
    port: values.PORT,
    host: values.HOST,
    userAgent: values.USER_AGENT,
  }));
