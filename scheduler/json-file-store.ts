/**
 * The job store in one JSON file (TW_SCHEDULER_STORE=json-file), for one machine without Postgres.
 *
 * ONE SCHEDULER INSTANCE ONLY, ON ONE MACHINE. Every operation reads the file, changes it and writes it
 * back whole (to a temporary file, then renamed over it, so a crash leaves the old or the new version,
 * never half of one), holding a lock file (`<file>.lock`, created exclusively, holding the process id;
 * a lock left by a dead process is taken over). The CLI commands and one `schedule run` on the same
 * machine therefore never lose each other's changes. Lock files do not work across machines (network
 * file systems), and every operation rewrites the whole file: for several instances, or thousands of
 * runs, use Postgres.
 */
import { SerialQueue } from '../core/serial-queue.ts';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TradewatchError, toError } from '../core/errors.ts';
import type { JobRun } from '../schemas/index.ts';
import { displayPath } from '../core/display-path.ts';
import type { JobStore, JobTransaction, LockMode } from './store.ts';
import type { JobDefinition, RunRecord, RunState, StoredEvent, StoredJob } from './types.ts';

const FORMAT_VERSION = 1;
const ABOUT =
  'tradewatch scheduler job store (TW_SCHEDULER_STORE=json-file): for ONE scheduler instance on one machine; ' +
  'use TW_SCHEDULER_STORE=postgres for more. Edit with `tradewatch schedule ...`, not by hand.';

interface OutboxEntry {
  id: number;
  event: JobRun;
  claimedBy: string | null;
  claimedUntil: number | null;
}

interface FileContent {
  about: string;
  version: number;
  jobs: StoredJob[];
  runs: RunRecord[];
  events: OutboxEntry[];
  nextEventId: number;
}

export interface JsonFileJobStoreOptions {
  readonly file: string;
  /** How long to wait for the lock file before TW_TIMEOUT. Default 10000 ms. */
  readonly lockTimeoutMs?: number;
}

export class JsonFileJobStore implements JobStore {
  readonly kind = 'json-file';
  readonly location: string;
  readonly #file: string;
  readonly #lockFile: string;
  readonly #lockTimeoutMs: number;
  /** Operations of this process, one at a time (the lock file serializes processes). */
  readonly #operations = new SerialQueue();

  constructor(options: JsonFileJobStoreOptions) {
    this.#file = options.file;
    this.#lockFile = `${options.file}.lock`;
    this.#lockTimeoutMs = options.lockTimeoutMs ?? 10_000;
    this.location = displayPath(options.file);
  }

  async start(): Promise<void> {
    await mkdir(dirname(this.#file), { recursive: true });
    // Creates the file when missing (and checks an existing one).
    await this.#locked(() => undefined, true);
  }

  close(): Promise<void> {
    return this.#operations.idle();
  }

  async createJob(job: JobDefinition, now: number): Promise<StoredJob> {
    return this.#locked((content) => {
      if (content.jobs.some((j) => j.id === job.id)) {
        throw new TradewatchError(
          'TW_JOB_INVALID',
          `a job "${job.id}" already exists in ${this.location}; remove it first (\`schedule remove ${job.id}\`) or choose another id`,
          { details: { job: job.id } },
        );
      }
      const stored: StoredJob = { ...job, createdAt: now, updatedAt: now, cursor: now };
      content.jobs.push(stored);
      content.jobs.sort((a, b) => (a.id < b.id ? -1 : 1));
      return stored;
    }, true);
  }

  getJob(id: string): Promise<StoredJob | undefined> {
    return this.#locked((content) => content.jobs.find((j) => j.id === id), false);
  }

  listJobs(): Promise<StoredJob[]> {
    return this.#locked((content) => content.jobs, false);
  }

  removeJob(id: string): Promise<boolean> {
    return this.#locked((content) => {
      const before = content.jobs.length;
      content.jobs = content.jobs.filter((j) => j.id !== id);
      content.runs = content.runs.filter((r) => r.jobId !== id);
      return content.jobs.length < before;
    }, true);
  }

  withJob<T>(id: string, _mode: LockMode, fn: (tx: JobTransaction) => Promise<T>): Promise<T | undefined> {
    // One instance: nobody else can hold the job, so `skip` and `wait` are the same.
    return this.#locked(async (content) => {
      const index = content.jobs.findIndex((j) => j.id === id);
      const job = content.jobs[index];
      if (job === undefined) return undefined;
      return fn(new JsonFileJobTransaction(content, index, job));
    }, true);
  }

  history(jobId: string, limit: number): Promise<RunRecord[]> {
    return this.#locked(
      (content) =>
        content.runs
          .filter((r) => r.jobId === jobId)
          .sort((a, b) => b.scheduledAt - a.scheduledAt)
          .slice(0, limit),
      false,
    );
  }

  getRun(jobId: string, scheduledAt: number): Promise<RunRecord | undefined> {
    return this.#locked(
      (content) => content.runs.find((r) => r.jobId === jobId && r.scheduledAt === scheduledAt),
      false,
    );
  }

  nextPendingAt(after: number): Promise<number | undefined> {
    return this.#locked((content) => {
      const enabled = new Set(content.jobs.filter((j) => j.enabled).map((j) => j.id));
      const times = content.runs
        .filter((r) => r.state === 'pending' && r.nextAttemptAt > after && enabled.has(r.jobId))
        .map((r) => r.nextAttemptAt);
      return times.length === 0 ? undefined : Math.min(...times);
    }, false);
  }

  claimEvents(owner: string, now: number, leaseMs: number, limit: number): Promise<StoredEvent[]> {
    return this.#locked((content) => {
      const claimed = content.events
        .filter((e) => e.claimedUntil === null || e.claimedUntil <= now)
        .slice(0, limit);
      for (const entry of claimed) {
        entry.claimedBy = owner;
        entry.claimedUntil = now + leaseMs;
      }
      return claimed.map((e) => ({ id: String(e.id), event: e.event }));
    }, true);
  }

  async markEventsSent(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const sent = new Set(ids.map(Number));
    await this.#locked((content) => {
      content.events = content.events.filter((e) => !sent.has(e.id));
    }, true);
  }

  /** Runs `fn` on the file's content under both locks; writes it back when `write` (and fn succeeded). */
  #locked<T>(fn: (content: FileContent) => T | Promise<T>, write: boolean): Promise<T> {
    return this.#operations.run(async () => {
      await this.#acquire();
      try {
        // Read afresh every time (another process may have changed the file); a failing fn writes nothing.
        const content = await this.#read();
        const result = await fn(content);
        if (write) await this.#write(content);
        return structuredClone(result);
      } finally {
        await unlink(this.#lockFile).catch(() => undefined);
      }
    });
  }

  async #acquire(): Promise<void> {
    const deadline = performance.now() + this.#lockTimeoutMs;
    for (;;) {
      try {
        const handle = await open(this.#lockFile, 'wx');
        await handle.writeFile(String(process.pid));
        await handle.close();
        return;
      } catch (e: unknown) {
        if ((e as { code?: unknown }).code !== 'EEXIST') {
          throw new TradewatchError(
            'TW_CONFIG_INVALID',
            `cannot create the lock file ${displayPath(this.#lockFile)}: ${toError(e).message}; check TW_SCHEDULER_JSON_FILE`,
            { cause: e },
          );
        }
      }
      const holder = Number((await readFile(this.#lockFile, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(holder) && holder > 0 && !alive(holder)) {
        // Left by a process that died while holding it: its write either happened whole or not at all.
        await unlink(this.#lockFile).catch(() => undefined);
        continue;
      }
      if (performance.now() > deadline) {
        throw new TradewatchError(
          'TW_TIMEOUT',
          `the job store ${this.location} stayed locked by process ${holder || '?'} for ${this.#lockTimeoutMs} ms ` +
            `(lock file ${displayPath(this.#lockFile)}); if no tradewatch process is running, delete the lock file`,
        );
      }
      await sleep(10);
    }
  }

  async #read(): Promise<FileContent> {
    let text: string;
    try {
      text = await readFile(this.#file, 'utf8');
    } catch (e: unknown) {
      if ((e as { code?: unknown }).code === 'ENOENT') {
        return { about: ABOUT, version: FORMAT_VERSION, jobs: [], runs: [], events: [], nextEventId: 1 };
      }
      throw e;
    }
    let content: FileContent;
    try {
      content = JSON.parse(text) as FileContent;
    } catch (e: unknown) {
      throw new TradewatchError(
        'TW_CONFIG_INVALID',
        `the job store ${this.location} is not valid JSON (${toError(e).message}); restore it from a backup or move it away to start empty`,
        { cause: e },
      );
    }
    if (content.version !== FORMAT_VERSION || !Array.isArray(content.jobs) || !Array.isArray(content.runs)) {
      throw new TradewatchError(
        'TW_CONFIG_INVALID',
        `the job store ${this.location} is not a version ${FORMAT_VERSION} tradewatch job store (found version ${String(content.version)})`,
      );
    }
    return content;
  }

  async #write(content: FileContent): Promise<void> {
    const temporary = `${this.#file}.${process.pid}.tmp`;
    const handle = await open(temporary, 'w');
    try {
      await handle.writeFile(`${JSON.stringify(content, null, 1)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, this.#file);
  }
}

class JsonFileJobTransaction implements JobTransaction {
  readonly job: StoredJob;
  readonly #content: FileContent;
  readonly #index: number;

  constructor(content: FileContent, index: number, job: StoredJob) {
    this.#content = content;
    this.#index = index;
    this.job = structuredClone(job);
  }

  runs(states: readonly RunState[]): Promise<RunRecord[]> {
    return Promise.resolve(
      structuredClone(
        this.#content.runs
          .filter((r) => r.jobId === this.job.id && states.includes(r.state))
          .sort((a, b) => a.scheduledAt - b.scheduledAt),
      ),
    );
  }

  insertRuns(runs: readonly RunRecord[]): Promise<RunRecord[]> {
    const existing = new Set(
      this.#content.runs.filter((r) => r.jobId === this.job.id).map((r) => r.scheduledAt),
    );
    const inserted: RunRecord[] = [];
    for (const run of runs) {
      if (run.jobId !== this.job.id || existing.has(run.scheduledAt)) continue;
      existing.add(run.scheduledAt);
      inserted.push(structuredClone(run));
    }
    this.#content.runs.push(...inserted);
    return Promise.resolve(structuredClone(inserted).sort((a, b) => a.scheduledAt - b.scheduledAt));
  }

  updateRun(run: RunRecord): Promise<void> {
    const index = this.#content.runs.findIndex(
      (r) => r.jobId === run.jobId && r.scheduledAt === run.scheduledAt,
    );
    if (index >= 0) this.#content.runs[index] = structuredClone(run);
    return Promise.resolve();
  }

  updateJob(patch: { enabled?: boolean; cursor?: number }, now: number): Promise<void> {
    const job = this.#content.jobs[this.#index];
    if (job !== undefined) {
      this.#content.jobs[this.#index] = {
        ...job,
        enabled: patch.enabled ?? job.enabled,
        cursor: patch.cursor ?? job.cursor,
        updatedAt: now,
      };
    }
    return Promise.resolve();
  }

  addEvents(events: readonly JobRun[]): Promise<void> {
    for (const event of events) {
      this.#content.events.push({
        id: this.#content.nextEventId,
        event: structuredClone(event),
        claimedBy: null,
        claimedUntil: null,
      });
      this.#content.nextEventId += 1;
    }
    return Promise.resolve();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e: unknown) {
    // EPERM: it exists, it is just not ours.
    return (e as { code?: unknown }).code === 'EPERM';
  }
}
