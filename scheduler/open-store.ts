import type { Config } from '../runtime/config.ts';
import type { Logger } from '../core/logger.ts';
import { JsonFileJobStore } from './json-file-store.ts';
import { PostgresJobStore } from './postgres-store.ts';
import type { JobStore } from './store.ts';

/** The job store the configuration names (TW_SCHEDULER_STORE), not yet started. */
export function openJobStore(config: Config, logger: Logger): JobStore {
  return config.scheduler.store === 'json-file'
    ? new JsonFileJobStore({ file: config.scheduler.jsonFile })
    : new PostgresJobStore({
        url: config.postgres.url,
        logger,
        schema: config.namespace.postgresSchema,
      });
}
