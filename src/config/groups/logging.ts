import { z } from 'zod';

import { text } from '../fields';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const loggingGroup = z
  .object({ LOG_LEVEL: text('info').pipe(z.enum(LOG_LEVELS)) })
  .transform((values) => ({ level: values.LOG_LEVEL }));
