/**
 * A small Postgres migration runner shared by the components that keep state in Postgres (the
 * scheduler, the alert dispatcher): the migrations a database lacks are applied in order, in one
 * transaction, each recorded in the component's own table, under a transaction-scoped advisory lock so
 * that instances starting together apply them once. Never edit a published migration: append one.
 */
import type pg from 'pg';

export interface Migration {
  /** 1, 2, 3... in order, without gaps. */
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export interface MigrationSet {
  /** The table that records the applied versions, e.g. `tw_scheduler_migrations`. */
  readonly table: string;
  /** The advisory lock key (a constant per component). */
  readonly lock: number;
  readonly migrations: readonly Migration[];
}

/** Applies the migrations `client`'s database lacks; returns the versions applied. */
export async function applyMigrations(client: pg.ClientBase, set: MigrationSet): Promise<number[]> {
  if (!/^[a-z_][a-z0-9_]*$/.test(set.table)) throw new RangeError(`bad migrations table name ${set.table}`);
  const applied: number[] = [];
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [set.lock]);
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${set.table} (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    const done = new Set(
      (await client.query<{ version: number }>(`SELECT version FROM ${set.table}`)).rows.map(
        (r) => r.version,
      ),
    );
    for (const migration of set.migrations) {
      if (done.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query(`INSERT INTO ${set.table} (version, name) VALUES ($1, $2)`, [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
    }
    await client.query('COMMIT');
  } catch (e: unknown) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
  return applied;
}
