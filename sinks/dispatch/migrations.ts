/**
 * The Postgres schema of the dispatcher: the SQL files of `migrations/` (core/postgres/migrations.ts
 * says how they are applied), recorded in `tw_dispatch_migrations`. Times are epoch ms (`bigint`)
 * from the injected clock, never `now()`. Never edit a published migration: add a file.
 */
import type { MigrationSet } from '../../core/postgres/index.ts';

export const DISPATCH_MIGRATIONS: MigrationSet = {
  table: 'tw_dispatch_migrations',
  /** An arbitrary constant: the advisory lock key of these migrations. */
  lock: 740_211_105,
  dir: new URL('./migrations/', import.meta.url),
};
