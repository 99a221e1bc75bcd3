/**
 * The migration runner of the components that keep state in Postgres (the scheduler, the alert
 * dispatcher). A component's schema is a folder of SQL files `NNN-<slug>.sql` (version NNN, 1, 2, 3...
 * without gaps; the first line `-- <name>` names it). The migrations a database lacks are applied in
 * order, in one transaction (PostgresPool.migrate), each recorded in the component's own table, under a transaction-scoped
 * advisory lock so that instances starting together apply them once. Never edit a published
 * migration: add a file.
 */
import { readdir, readFile } from 'node:fs/promises';
import type pg from 'pg';

export interface Migration {
  /** 1, 2, 3... in order, without gaps. */
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Where a component's schema lives and how it is recorded. */
export interface MigrationSet {
  /** The table that records the applied versions, e.g. `tw_scheduler_migrations`. */
  readonly table: string;
  /** The advisory lock key (a constant per component). */
  readonly lock: number;
  /** The folder of `NNN-<slug>.sql` files (a `file:` URL ending in `/`). */
  readonly dir: URL;
}

const FILE = /^(\d{3})-[a-z0-9-]+\.sql$/;

/** The migrations of `dir`, in version order. @throws RangeError on a misnamed file or a gap. */
export async function readMigrations(dir: URL): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  return Promise.all(
    files.map(async (file, i) => {
      const version = Number(FILE.exec(file)?.[1]);
      if (version !== i + 1)
        throw new RangeError(`migration ${file} in ${dir.pathname}: expected version ${i + 1}`);
      const sql = await readFile(new URL(file, dir), 'utf8');
      return { version, name: /^-- (.+)/.exec(sql)?.[1] ?? file, sql };
    }),
  );
}

/**
 * Applies the migrations `client`'s database lacks, in the transaction `client` is in (see
 * PostgresPool.migrate); returns the versions applied.
 */
export async function applyMigrations(client: pg.ClientBase, set: MigrationSet): Promise<number[]> {
  if (!/^[a-z_][a-z0-9_]*$/.test(set.table)) throw new RangeError(`bad migrations table name ${set.table}`);
  const migrations = await readMigrations(set.dir);
  await client.query('SELECT pg_advisory_xact_lock($1)', [set.lock]);
  await client.query(`
    CREATE TABLE IF NOT EXISTS ${set.table} (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
  const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${set.table}`);
  const done = new Set(rows.map((r) => r.version));
  const applied: number[] = [];
  for (const migration of migrations.filter((m) => !done.has(m.version))) {
    await client.query(migration.sql);
    await client.query(`INSERT INTO ${set.table} (version, name) VALUES ($1, $2)`, [
      migration.version,
      migration.name,
    ]);
    applied.push(migration.version);
  }
  return applied;
}
