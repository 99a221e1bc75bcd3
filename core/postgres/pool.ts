/**
 * A Postgres connection pool for a component's store (the scheduler's jobs, the dispatcher's state):
 * clients lent for one piece of work, transactions, and one error policy. A connection that cannot be
 * made or breaks is TW_POSTGRES_UNAVAILABLE (retriable; a broken client is destroyed, not pooled), a
 * statement Postgres refuses is TW_INTERNAL (the store's SQL is wrong), and errors of our own pass
 * through. The connection string never appears in errors or logs (`location` is redacted).
 */
import pg from 'pg';
import { TradewatchError, toError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { redactUrl } from '../redact.ts';
import { applyMigrations, type MigrationSet } from './migrations.ts';

export interface PostgresPoolOptions {
  /** postgres:// connection string. */
  readonly url: string;
  /** The store's logger (applied migrations and idle connection failures are logged here). */
  readonly logger: Logger;
  /** Connections in the pool. Default 4. */
  readonly poolSize?: number;
  /**
   * The schema the store's tables live in (the environment's namespace, `tw_<namespace>`): every
   * connection's search_path is set to it, and `migrate()` creates it. Default: whatever the connection
   * string's search_path says (normally `public`).
   */
  readonly schema?: string;
  /** What else to try, ended to a TW_POSTGRES_UNAVAILABLE message. Default none. */
  readonly hint?: string;
}

export class PostgresPool {
  /** The connection string without its password. */
  readonly location: string;
  readonly #pool: pg.Pool;
  readonly #logger: Logger;
  readonly #hint: string;
  readonly #schema: string | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: PostgresPoolOptions) {
    this.location = redactUrl(options.url);
    this.#logger = options.logger;
    this.#hint = options.hint ?? '';
    this.#pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 4 });
    this.#schema = options.schema === 'public' ? undefined : options.schema;
    if (this.#schema !== undefined) {
      if (!/^[a-z_][a-z0-9_]*$/.test(this.#schema)) throw new RangeError(`bad schema name ${this.#schema}`);
      const setPath = `SET search_path TO ${this.#schema}`;
      // Queries on a client run in order: this one runs before any the store sends.
      this.#pool.on('connect', (client) => {
        client.query(setPath).catch(() => undefined);
      });
    }
    // An idle connection the server closed (a restart, a dropped database): the pool replaces it.
    this.#pool.on('error', (error) =>
      options.logger.warn({ err: error }, 'an idle Postgres connection failed'),
    );
  }

  /** Applies the migrations of `set` the database lacks (logged); returns the versions applied. */
  async migrate(set: MigrationSet): Promise<number[]> {
    const schema = this.#schema;
    const applied = await this.transaction(`apply the migrations of ${set.table}`, async (client) => {
      if (schema !== undefined) {
        // Stores of any kind creating the schema at once (a scheduler and a dispatcher starting
        // together): one waits for the other, keyed on the schema, so there is no unique violation.
        await client.query("SELECT pg_advisory_xact_lock(hashtext('tradewatch schema ' || $1))", [schema]);
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      }
      return applyMigrations(client, set);
    });
    if (applied.length > 0) {
      this.#logger.info({ table: set.table, schema: schema ?? 'public', applied }, 'migrations applied');
    }
    return applied;
  }

  /** Runs one statement; returns its rows. */
  query<R extends object = Record<string, unknown>>(
    what: string,
    sql: string,
    values: unknown[] = [],
  ): Promise<R[]> {
    return this.withClient(what, async (client) => (await client.query<R>(sql, values)).rows);
  }

  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(what: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.withClient(what, async (client) => {
      await client.query('BEGIN');
      try {
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (e: unknown) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
    });
  }

  /** Runs `fn` with a pooled client, released when it settles. `what` names the work in errors. */
  async withClient<T>(what: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (e: unknown) {
      throw this.#unavailable(what, e);
    }
    let broken: Error | undefined;
    try {
      return await fn(client);
    } catch (e: unknown) {
      if (isConnectionError(e)) {
        broken = toError(e);
        throw this.#unavailable(what, e);
      }
      if (e instanceof pg.DatabaseError) {
        throw new TradewatchError('TW_INTERNAL', `Postgres refused to ${what}: ${e.message}`, { cause: e });
      }
      throw e;
    } finally {
      client.release(broken);
    }
  }

  /** Ends every connection. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#pool.end();
    return this.#closing;
  }

  #unavailable(what: string, e: unknown): TradewatchError {
    return new TradewatchError(
      'TW_POSTGRES_UNAVAILABLE',
      `could not ${what}: PostgreSQL at ${this.location} did not answer (${toError(e).message}); ` +
        `check that it is running and DATABASE_URL${this.#hint}`,
      { cause: e, details: { url: this.location } },
    );
  }
}

/** Whether `e` says the connection is gone (Postgres class 08, shutdown codes, socket errors). */
function isConnectionError(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && (code.startsWith('08') || code === '57P01' || code === '57P03'))
    return true;
  if (
    typeof code === 'string' &&
    ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EPIPE'].includes(code)
  )
    return true;
  const message = e instanceof Error ? e.message : '';
  return /Connection terminated|connection timeout|Client has encountered a connection error/i.test(message);
}
