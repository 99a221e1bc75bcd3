/**
 * Scheduler test helpers: a Postgres database per test file (created in `beforeAll`, dropped with
 * FORCE in `afterAll`) and a schema per test in it (dropped when the test ends); test templates whose
 * behaviour the test controls; an event sink that records the outbox's events.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, inject, onTestFinished } from 'vitest';
import { z } from 'zod';
import { ManualClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
import type { JobRun } from '../../schemas/index.ts';
import { defineJob, type JobInput } from '../../scheduler/job-definition.ts';
import { JsonFileJobStore } from '../../scheduler/json-file-store.ts';
import { PostgresJobStore } from '../../scheduler/postgres-store.ts';
import type { RunEventSink } from '../../scheduler/run-events.ts';
import { Scheduler } from '../../scheduler/scheduler.ts';
import type { JobStore } from '../../scheduler/store.ts';
import type { JobTemplate, TemplateRegistry } from '../../scheduler/templates/types.ts';
import type { JobDefinition } from '../../scheduler/types.ts';
import { uniqueName } from '../helpers/unique.ts';

/** Runs `sql` on the server's maintenance database. */
async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: inject('services').databaseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh database for this test file: its URL, once `beforeAll` ran. Dropped after the file. */
export function testDatabase(): { url: () => string } {
  const name = uniqueName('tw_test').replaceAll('-', '_');
  let url: string | undefined;
  beforeAll(async () => {
    await admin(`CREATE DATABASE ${name}`);
    const u = new URL(inject('services').databaseUrl);
    u.pathname = `/${name}`;
    url = u.toString();
  });
  afterAll(async () => {
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
  return {
    url: () => {
      if (url === undefined) throw new Error('testDatabase(): the database exists only from beforeAll on');
      return url;
    },
  };
}

/** A URL of `databaseUrl` whose connections use a fresh schema, dropped when the test ends. */
export async function testSchema(databaseUrl: string): Promise<string> {
  const schema = uniqueName('s').replaceAll('-', '_');
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await client.end();
  }
  onTestFinished(async () => {
    const c = new pg.Client({ connectionString: databaseUrl });
    await c.connect();
    try {
      await c.query(`DROP SCHEMA ${schema} CASCADE`);
    } finally {
      await c.end();
    }
  });
  const url = new URL(databaseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/** A started Postgres store on a fresh schema, closed when the test ends. */
export async function postgresStore(databaseUrl: string): Promise<PostgresJobStore> {
  const store = new PostgresJobStore({ url: await testSchema(databaseUrl), logger: silentLogger() });
  onTestFinished(() => store.close());
  await store.start();
  return store;
}

/** A started JSON-file store in a fresh directory, removed when the test ends. */
export async function jsonFileStore(): Promise<JsonFileJobStore> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tw-jobs-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const store = new JsonFileJobStore({ file: path.join(dir, 'jobs.json') });
  await store.start();
  return store;
}

/** Records every delivered event; `failing` makes deliveries throw (Kafka down). */
export class RecordingEvents implements RunEventSink {
  readonly events: JobRun[] = [];
  failing = false;

  publish(events: readonly JobRun[]): Promise<void> {
    if (this.failing) return Promise.reject(new Error('delivery refused (test)'));
    this.events.push(...events);
    return Promise.resolve();
  }

  /** Events of one job, in delivery order. */
  of(job: string): JobRun[] {
    return this.events.filter((e) => e.job === job);
  }
}

/**
 * What the test templates do, per job: `calls` counts attempts per scheduled time; `failFirst` fails
 * that many attempts of each run; `gates` hold attempts until released (or aborted).
 */
export class TemplateControl {
  readonly calls = new Map<string, number>();
  /** Attempts started, in order: `<job>@<scheduled ISO>#<n>`. */
  readonly log: string[] = [];
  failFirst = 0;
  readonly #gates: { key: string; release: () => void }[] = [];

  /** Lets every waiting attempt of `job` (all jobs when omitted) finish. */
  release(job?: string): void {
    for (const gate of this.#gates.splice(0)) {
      if (job === undefined || gate.key.startsWith(`${job}@`)) gate.release();
      else this.#gates.push(gate);
    }
  }

  /** Attempts waiting at a gate. */
  waiting(): string[] {
    return this.#gates.map((g) => g.key);
  }

  /** The test templates: `test-ok`, `test-fail` (fails `failFirst` times), `test-block`, `test-hang`. */
  templates(): TemplateRegistry {
    const empty = z.strictObject({});
    const count = (job: string, at: number): number => {
      const key = `${job}@${new Date(at).toISOString()}`;
      const n = (this.calls.get(key) ?? 0) + 1;
      this.calls.set(key, n);
      this.log.push(`${key}#${n}`);
      return n;
    };
    const list: JobTemplate<Record<string, never>>[] = [
      {
        name: 'test-ok',
        description: 'succeeds',
        params: empty,
        run: (_p, c) => Promise.resolve({ attempt: count(c.job.id, c.scheduledAt) }),
      },
      {
        name: 'test-fail',
        description: 'fails failFirst times, then succeeds',
        params: empty,
        run: (_p, c) => {
          const n = count(c.job.id, c.scheduledAt);
          return n <= this.failFirst
            ? Promise.reject(new Error(`failure ${n} (test)`))
            : Promise.resolve({ attempt: n });
        },
      },
      {
        name: 'test-block',
        description: 'waits until released or aborted',
        params: empty,
        run: (_p, c) => {
          count(c.job.id, c.scheduledAt);
          return new Promise((resolve, reject) => {
            const key = `${c.job.id}@${new Date(c.scheduledAt).toISOString()}`;
            this.#gates.push({ key, release: () => resolve({ released: true }) });
            c.signal.addEventListener('abort', () => reject(c.signal.reason as Error), { once: true });
          });
        },
      },
      {
        name: 'test-hang',
        description: 'never ends, ignores its signal (a stuck process)',
        params: empty,
        run: (_p, c) => {
          count(c.job.id, c.scheduledAt);
          return new Promise(() => undefined);
        },
      },
    ];
    return new Map(list.map((t) => [t.name, t as unknown as JobTemplate]));
  }
}

/** 2025-03-03T00:00:00Z, a Monday. */
export const T0 = Date.UTC(2025, 2, 3);
export const MINUTE = 60_000;

/** A job definition with test defaults (validated like `schedule add`). */
export function testJob(
  templates: TemplateRegistry,
  input: JobInput & { id: string },
  now = T0,
): JobDefinition {
  return defineJob({ template: 'test-ok', every: '1m', retries: 0, ...input }, templates, now);
}

/** A scheduler on `store` with a virtual clock. */
export function testScheduler(
  store: JobStore,
  options: {
    clock: ManualClock;
    templates: TemplateRegistry;
    events: RecordingEvents;
    instanceId?: string;
    leaseMs?: number;
  },
): Scheduler {
  return new Scheduler({
    store,
    templates: options.templates,
    events: options.events,
    clock: options.clock,
    logger: silentLogger(),
    instanceId: options.instanceId ?? 'a',
    leaseMs: options.leaseMs ?? 30_000,
  });
}

export { ManualClock };
