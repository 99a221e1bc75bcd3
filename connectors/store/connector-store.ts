/**
 * The connectors' state in PostgreSQL (DATABASE_URL, the `tw_connector_*` tables): checkpoints, the
 * content-addressed cache of raw responses, the hourly request budget, runs, payload shapes, quarantined
 * payloads and the last value of each series. Every time comes from the caller's clock, never `now()`.
 * Safe for several instances: the budget is reserved with one conditional upsert, so two instances
 * together never pass it.
 */
import { createHash } from 'node:crypto';
import { HOUR_MS } from '../../core/durations.ts';
import { PostgresPool, type PostgresPoolOptions } from '../../core/postgres/index.ts';
import { CONNECTOR_MIGRATIONS } from './migrations.ts';
import type { Checkpoint, EndpointShape, NewResponse, RunMode, RunOutcome, StoredResponse } from './types.ts';

/** The connection string, the logger and the pool size (see PostgresPoolOptions). */
export type ConnectorStoreOptions = Omit<PostgresPoolOptions, 'hint'>;

interface ResponseRow {
  id: string;
  connector: string;
  run_id: string;
  endpoint: string;
  method: string;
  url: string;
  status: number;
  etag: string | null;
  headers: Record<string, string>;
  redirected_from: string | null;
  body_sha256: string;
  body: Buffer;
  fetched_at: Date;
}

const RESPONSE_COLUMNS =
  'r.id, r.connector, r.run_id, r.endpoint, r.method, r.url, r.status, r.etag, r.headers, r.redirected_from, ' +
  'r.body_sha256, b.body, r.fetched_at';

function toResponse(row: ResponseRow): StoredResponse {
  return {
    id: Number(row.id),
    connector: row.connector,
    runId: row.run_id,
    endpoint: row.endpoint,
    method: row.method,
    url: row.url,
    status: row.status,
    etag: row.etag,
    headers: row.headers,
    redirectedFrom: row.redirected_from,
    bodySha256: row.body_sha256,
    body: row.body,
    fetchedAt: row.fetched_at.getTime(),
  };
}

/** The SHA-256 of `body`, hex: a body's address in the cache. */
export function bodyDigest(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

export class ConnectorStore {
  readonly location: string;
  readonly #pool: PostgresPool;

  constructor(options: ConnectorStoreOptions) {
    this.#pool = new PostgresPool({
      ...options,
      logger: options.logger.child({ component: 'connector-store' }),
    });
    this.location = this.#pool.location;
  }

  /** The pool, for the other stores on the same tables (asset identity). */
  get pool(): PostgresPool {
    return this.#pool;
  }

  /** Applies the migrations the database lacks. */
  async start(): Promise<void> {
    await this.#pool.migrate(CONNECTOR_MIGRATIONS);
  }

  close(): Promise<void> {
    return this.#pool.close();
  }

  async checkpoint(connector: string, scope: string): Promise<Checkpoint | undefined> {
    const rows = await this.#pool.query<{ cursor: string | null; last_event_at: Date | null }>(
      'read a connector checkpoint',
      'SELECT cursor, last_event_at FROM tw_connector_checkpoints WHERE connector = $1 AND scope = $2',
      [connector, scope],
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    return { cursor: row.cursor, lastEventAt: row.last_event_at?.getTime() ?? null };
  }

  /** Every checkpoint of `connector`, by scope (in scope order). */
  async checkpoints(connector: string): Promise<{ scope: string; checkpoint: Checkpoint }[]> {
    const rows = await this.#pool.query<{ scope: string; cursor: string | null; last_event_at: Date | null }>(
      'read the connector checkpoints',
      'SELECT scope, cursor, last_event_at FROM tw_connector_checkpoints WHERE connector = $1 ORDER BY scope',
      [connector],
    );
    return rows.map((r) => ({
      scope: r.scope,
      checkpoint: { cursor: r.cursor, lastEventAt: r.last_event_at?.getTime() ?? null },
    }));
  }

  /**
   * Forgets everything of `connector` (checkpoints, budget, runs, cached responses, shapes, values,
   * renames), so that its next run starts as its first did. The demo resets its own connectors with it
   * at every run; bodies stay (content-addressed, shared). One transaction.
   */
  async forget(connector: string): Promise<void> {
    await this.#pool.transaction(`forget the state of connector ${connector}`, async (client) => {
      // Children first: quarantined payloads refer to responses.
      for (const table of [
        'tw_connector_quarantine',
        'tw_connector_commits',
        'tw_connector_responses',
        'tw_connector_checkpoints',
        'tw_connector_requests',
        'tw_connector_runs',
        'tw_connector_fingerprints',
        'tw_connector_values',
        'tw_connector_renames',
      ])
        await client.query(`DELETE FROM ${table} WHERE connector = $1`, [connector]);
    });
  }

  async saveCheckpoint(connector: string, scope: string, checkpoint: Checkpoint, now: number): Promise<void> {
    await this.#pool.query(
      'save a connector checkpoint',
      `INSERT INTO tw_connector_checkpoints VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (connector, scope) DO UPDATE
       SET cursor = EXCLUDED.cursor, last_event_at = EXCLUDED.last_event_at, updated_at = EXCLUDED.updated_at`,
      [
        connector,
        scope,
        checkpoint.cursor,
        checkpoint.lastEventAt === null ? null : new Date(checkpoint.lastEventAt),
        new Date(now),
      ],
    );
  }

  /**
   * Takes one request from `connector`'s budget for the hour of `now`: true if taken, false when the
   * hour's `budget` is spent (nothing is taken then).
   */
  async reserveRequest(connector: string, now: number, budget: number): Promise<boolean> {
    const hour = new Date(Math.floor(now / HOUR_MS) * HOUR_MS);
    const rows = await this.#pool.query(
      'reserve a request of the connector budget',
      `INSERT INTO tw_connector_requests AS r VALUES ($1, $2, 1)
       ON CONFLICT (connector, hour) DO UPDATE SET count = r.count + 1 WHERE r.count < $3
       RETURNING count`,
      [connector, hour, budget],
    );
    return rows.length > 0;
  }

  /** Requests `connector` made in the hour of `at` (epoch ms). */
  async requestsInHour(connector: string, at: number): Promise<number> {
    const rows = await this.#pool.query<{ count: number }>(
      'read the connector budget',
      'SELECT count FROM tw_connector_requests WHERE connector = $1 AND hour = $2',
      [connector, new Date(Math.floor(at / HOUR_MS) * HOUR_MS)],
    );
    return rows[0]?.count ?? 0;
  }

  /** Stores a response (its body once per digest); returns its id. */
  async putResponse(response: NewResponse): Promise<number> {
    const sha = bodyDigest(response.body);
    return this.#pool.transaction('store a connector response', async (client) => {
      await client.query('INSERT INTO tw_connector_bodies VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING', [
        sha,
        response.body,
      ]);
      const { rows } = await client.query<{ id: string }>(
        `INSERT INTO tw_connector_responses
           (connector, run_id, endpoint, method, url, status, etag, headers, redirected_from, body_sha256, fetched_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
        [
          response.connector,
          response.runId,
          response.endpoint,
          response.method,
          response.url,
          response.status,
          response.etag,
          JSON.stringify(response.headers),
          response.redirectedFrom,
          sha,
          new Date(response.fetchedAt),
        ],
      );
      return Number(rows[0]?.id);
    });
  }

  /** The newest successful response to `url` that carried an ETag (for a conditional request). */
  async cachedResponse(connector: string, url: string): Promise<StoredResponse | undefined> {
    const rows = await this.#pool.query<ResponseRow>(
      'read a cached connector response',
      `SELECT ${RESPONSE_COLUMNS} FROM tw_connector_responses r JOIN tw_connector_bodies b ON b.sha256 = r.body_sha256
       WHERE r.connector = $1 AND r.url = $2 AND r.status = 200 AND r.etag IS NOT NULL
       ORDER BY r.id DESC LIMIT 1`,
      [connector, url],
    );
    return rows[0] === undefined ? undefined : toResponse(rows[0]);
  }

  /** The responses of a run, in the order received. */
  async responsesOfRun(runId: string): Promise<StoredResponse[]> {
    const rows = await this.#pool.query<ResponseRow>(
      'read the responses of a connector run',
      `SELECT ${RESPONSE_COLUMNS} FROM tw_connector_responses r JOIN tw_connector_bodies b ON b.sha256 = r.body_sha256
       WHERE r.run_id = $1 ORDER BY r.id`,
      [runId],
    );
    return rows.map(toResponse);
  }

  async startRun(runId: string, connector: string, mode: RunMode, startedAt: number): Promise<void> {
    await this.#pool.query(
      'record a connector run',
      'INSERT INTO tw_connector_runs (run_id, connector, mode, started_at) VALUES ($1, $2, $3, $4)',
      [runId, connector, mode, new Date(startedAt)],
    );
  }

  async finishRun(runId: string, outcome: RunOutcome): Promise<void> {
    await this.#pool.query(
      'record the end of a connector run',
      'UPDATE tw_connector_runs SET finished_at = $2, status = $3, rows = $4, error = $5 WHERE run_id = $1',
      [runId, new Date(outcome.finishedAt), outcome.status, outcome.rows, outcome.error],
    );
  }

  /** The last finished run of `connector` (mode `run`: what sets the pace), or undefined. */
  async lastRun(connector: string): Promise<{ runId: string; finishedAt: number } | undefined> {
    const rows = await this.#pool.query<{ run_id: string; finished_at: Date }>(
      'read the last connector run',
      `SELECT run_id, finished_at FROM tw_connector_runs
       WHERE connector = $1 AND finished_at IS NOT NULL AND mode = 'run'
       ORDER BY finished_at DESC LIMIT 1`,
      [connector],
    );
    const row = rows[0];
    return row === undefined ? undefined : { runId: row.run_id, finishedAt: row.finished_at.getTime() };
  }

  /** The row counts of `connector`'s last `n` finished runs (mode `run`), newest first. */
  async recentRowCounts(connector: string, n: number): Promise<number[]> {
    const rows = await this.#pool.query<{ rows: number }>(
      'read recent connector run sizes',
      `SELECT rows FROM tw_connector_runs
       WHERE connector = $1 AND mode = 'run' AND rows IS NOT NULL
       ORDER BY started_at DESC LIMIT $2`,
      [connector, n],
    );
    return rows.map((r) => r.rows);
  }

  async shape(connector: string, endpoint: string): Promise<EndpointShape | undefined> {
    const rows = await this.#pool.query<{
      fingerprint: string;
      shape: Record<string, string>;
      drift_fields: string;
    }>(
      'read a payload shape',
      'SELECT fingerprint, shape, drift_fields FROM tw_connector_fingerprints WHERE connector = $1 AND endpoint = $2',
      [connector, endpoint],
    );
    const row = rows[0];
    return row === undefined
      ? undefined
      : { fingerprint: row.fingerprint, shape: row.shape, driftFields: row.drift_fields };
  }

  /** Saves the shape now expected on `endpoint`; `driftFields`: the fields of a drift just seen. */
  async saveShape(
    connector: string,
    endpoint: string,
    shape: EndpointShape,
    now: number,
    driftFields = '',
  ): Promise<void> {
    await this.#pool.query(
      'save a payload shape',
      `INSERT INTO tw_connector_fingerprints VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (connector, endpoint) DO UPDATE
       SET fingerprint = EXCLUDED.fingerprint, shape = EXCLUDED.shape,
           drift_fields = EXCLUDED.drift_fields, updated_at = EXCLUDED.updated_at`,
      [connector, endpoint, shape.fingerprint, JSON.stringify(shape.shape), driftFields, new Date(now)],
    );
  }

  /**
   * The fields of the last drift of `endpoint` not yet followed by a clean run ('' if none), cleared:
   * the clean run reports 0 on that drift's series, which resolves its alert.
   */
  async takeDriftFields(connector: string, endpoint: string): Promise<string> {
    const rows = await this.#pool.query<{ drift_fields: string }>(
      'clear a reported drift',
      `UPDATE tw_connector_fingerprints f SET drift_fields = ''
       FROM (SELECT drift_fields FROM tw_connector_fingerprints WHERE connector = $1 AND endpoint = $2 FOR UPDATE) old
       WHERE f.connector = $1 AND f.endpoint = $2 RETURNING old.drift_fields`,
      [connector, endpoint],
    );
    return rows[0]?.drift_fields ?? '';
  }

  /** Keeps a payload the normalizer could not read (its raw response stays in the cache). */
  async quarantine(
    entry: { connector: string; runId: string; endpoint: string; responseId: number | null; error: string },
    now: number,
  ): Promise<void> {
    await this.#pool.query(
      'quarantine a payload',
      `INSERT INTO tw_connector_quarantine (connector, run_id, endpoint, response_id, error, quarantined_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [entry.connector, entry.runId, entry.endpoint, entry.responseId, entry.error, new Date(now)],
    );
  }

  /** The quarantined payloads of `connector`, oldest first. */
  async quarantined(
    connector: string,
  ): Promise<{ runId: string; endpoint: string; responseId: number | null; error: string }[]> {
    const rows = await this.#pool.query<{
      run_id: string;
      endpoint: string;
      response_id: string | null;
      error: string;
    }>(
      'read quarantined payloads',
      'SELECT run_id, endpoint, response_id, error FROM tw_connector_quarantine WHERE connector = $1 ORDER BY id',
      [connector],
    );
    return rows.map((r) => ({
      runId: r.run_id,
      endpoint: r.endpoint,
      responseId: r.response_id === null ? null : Number(r.response_id),
      error: r.error,
    }));
  }

  /**
   * Per series, the newest value stored before the given time (for change bounds): the same answer on
   * a replay as on the run itself.
   */
  async previousValues(connector: string, before: ReadonlyMap<string, number>): Promise<Map<string, number>> {
    if (before.size === 0) return new Map();
    const rows = await this.#pool.query<{ series: string; value: number }>(
      'read previous signal values',
      `SELECT DISTINCT ON (v.series) v.series, v.value
       FROM tw_connector_values v JOIN unnest($2::text[], $3::float8[]) AS b(series, t) ON b.series = v.series
       WHERE v.connector = $1 AND v.ts < to_timestamp(b.t / 1000.0)
       ORDER BY v.series, v.ts DESC`,
      [connector, [...before.keys()], [...before.values()]],
    );
    return new Map(rows.map((r) => [r.series, r.value]));
  }

  /** Stores values per series and time (a replay overwrites them with the same). */
  async saveValues(
    connector: string,
    values: readonly { series: string; value: number; ts: number }[],
  ): Promise<void> {
    if (values.length === 0) return;
    await this.#pool.query(
      'save signal values',
      `INSERT INTO tw_connector_values
       SELECT $1, s, to_timestamp(t / 1000.0), v FROM unnest($2::text[], $3::float8[], $4::float8[]) AS x(s, v, t)
       ON CONFLICT (connector, series, ts) DO UPDATE SET value = EXCLUDED.value`,
      [connector, values.map((v) => v.series), values.map((v) => v.value), values.map((v) => v.ts)],
    );
  }

  /** Records that `fromUrl` now answers at `toUrl` (a renamed project); returns whether it is new. */
  async recordRename(connector: string, fromUrl: string, toUrl: string, now: number): Promise<boolean> {
    const rows = await this.#pool.query(
      'record a renamed endpoint',
      `INSERT INTO tw_connector_renames VALUES ($1, $2, $3, $4)
       ON CONFLICT (connector, from_url) DO UPDATE SET to_url = EXCLUDED.to_url, seen_at = EXCLUDED.seen_at
       WHERE tw_connector_renames.to_url <> EXCLUDED.to_url RETURNING 1`,
      [connector, fromUrl, toUrl, new Date(now)],
    );
    return rows.length > 0;
  }

  /** The renames recorded for `connector`. */
  async renames(connector: string): Promise<{ fromUrl: string; toUrl: string }[]> {
    const rows = await this.#pool.query<{ from_url: string; to_url: string }>(
      'read renamed endpoints',
      'SELECT from_url, to_url FROM tw_connector_renames WHERE connector = $1 ORDER BY from_url',
      [connector],
    );
    return rows.map((r) => ({ fromUrl: r.from_url, toUrl: r.to_url }));
  }

  /** Records that a run published scope `scope` from these responses (replay re-normalizes them). */
  async recordCommit(
    commit: { runId: string; seq: number; connector: string; scope: string; responseIds: readonly number[] },
    now: number,
  ): Promise<void> {
    await this.#pool.query(
      'record a connector commit',
      'INSERT INTO tw_connector_commits VALUES ($1, $2, $3, $4, $5, $6)',
      [commit.runId, commit.seq, commit.connector, commit.scope, commit.responseIds, new Date(now)],
    );
  }

  /** The commits of a run in order, each with its responses (bodies included). */
  async commitsOfRun(runId: string): Promise<{ scope: string; responses: StoredResponse[] }[]> {
    const commits = await this.#pool.query<{ scope: string; response_ids: string[] }>(
      'read the commits of a connector run',
      'SELECT scope, response_ids FROM tw_connector_commits WHERE run_id = $1 ORDER BY seq',
      [runId],
    );
    const byId = new Map((await this.responsesOfRun(runId)).map((r) => [r.id, r]));
    return commits.map((c) => ({
      scope: c.scope,
      responses: c.response_ids.map((id) => {
        const response = byId.get(Number(id));
        if (response === undefined) throw new RangeError(`response ${id} of run ${runId} is not stored`);
        return response;
      }),
    }));
  }
}
