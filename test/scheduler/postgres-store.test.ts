/** The Postgres job store passes the conformance suite; its migrations are applied once, recorded. */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.ts';
import { readMigrations } from '../../core/postgres/index.ts';
import { SCHEDULER_MIGRATIONS } from '../../scheduler/migrations.ts';
import { PostgresJobStore } from '../../scheduler/postgres-store.ts';
import { postgresStore, testDatabase, testSchema } from './helpers.ts';
import { describeStoreConformance } from './store-conformance.ts';

const db = testDatabase();
const MIGRATIONS = await readMigrations(SCHEDULER_MIGRATIONS.dir);

describeStoreConformance('postgres', () => postgresStore(db.url()));

describe('postgres: migrations', () => {
  it('are applied on start, once, by instances starting together', async () => {
    const url = await testSchema(db.url());
    const stores = [1, 2, 3].map(() => new PostgresJobStore({ url, logger: silentLogger() }));
    try {
      await Promise.all(stores.map((s) => s.start()));
      await stores[0]?.start();
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const rows = (await client.query<{ version: number }>('SELECT version FROM tw_scheduler_migrations'))
        .rows;
      expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    } finally {
      await client.end();
    }
  });

  it('reports an unreachable Postgres as TW_POSTGRES_UNAVAILABLE', async () => {
    const store = new PostgresJobStore({
      url: 'postgres://postgres:secret@127.0.0.1:1/none',
      logger: silentLogger(),
    });
    try {
      const error = await store.start().catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'TW_POSTGRES_UNAVAILABLE', retriable: true });
      expect((error as Error).message).not.toContain('secret');
    } finally {
      await store.close();
    }
  });
});
