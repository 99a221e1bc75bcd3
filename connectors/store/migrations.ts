/**
 * The Postgres schema of the connectors: the SQL files of `migrations/` (core/postgres/migrations.ts
 * says how they are applied), recorded in `tw_connector_migrations`. Never edit a published migration:
 * add a file.
 */
import type { MigrationSet } from '../../core/postgres/index.ts';

export const CONNECTOR_MIGRATIONS: MigrationSet = {
  table: 'tw_connector_migrations',
  /** An arbitrary constant: the advisory lock key of these migrations. */
  lock: 740_211_015,
  dir: new URL('./migrations/', import.meta.url),
};
