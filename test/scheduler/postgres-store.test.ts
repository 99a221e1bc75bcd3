/** The Postgres job store passes the conformance suite; its migrations are applied once, recorded. */
import pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import { namespace, type Namespace } from '../../core/namespace.ts';
import { silentLogger } from '../../core/logger.ts';
import { readMigrations } from '../../core/postgres/index.ts';
import { SCHEDULER_MIGRATIONS } from '../../scheduler/migrations.ts';
import { PostgresJobStore } from '../../scheduler/postgres-store.ts';
import { postgresStore, T0, TemplateControl, testDatabase, testJob, testSchema } from './helpers.ts';
import { uniqueName } from '../helpers/unique.ts';
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

  it('keeps two environments apart: each namespace has its own schema, created on start', async () => {
    // One database, two environments: `tw_<namespace>` schemas, never the connection string's.
    const url = db.url();
    const [a, b] = ['a', 'b'].map((env) =>
      namespace(`${uniqueName(`ns${env}`).replace(/[^a-z0-9]+/g, '_')}`),
    ) as [Namespace, Namespace];
    const stores = [a, b].map(
      (ns) => new PostgresJobStore({ url, logger: silentLogger(), schema: ns.postgresSchema }),
    ) as [PostgresJobStore, PostgresJobStore];
    onTestFinished(async () => {
      await Promise.all(stores.map((s) => s.close()));
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      for (const ns of [a, b]) await client.query(`DROP SCHEMA IF EXISTS ${ns.postgresSchema} CASCADE`);
      await client.end();
    });
    await Promise.all(stores.map((s) => s.start()));
    const templates = new TemplateControl().templates();
    await stores[0].createJob(testJob(templates, { id: 'only-in-a' }), T0);
    expect((await stores[0].listJobs()).map((j) => j.id)).toEqual(['only-in-a']);
    expect(await stores[1].listJobs()).toEqual([]);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ table_schema: string }>(
        `SELECT DISTINCT table_schema FROM information_schema.tables WHERE table_name = 'tw_jobs' AND table_schema = ANY($1)`,
        [[a.postgresSchema, b.postgresSchema, 'public']],
      );
      expect(rows.map((r) => r.table_schema).sort()).toEqual([a.postgresSchema, b.postgresSchema].sort());
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
