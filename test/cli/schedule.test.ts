/**
 * `tradewatch schedule ...` and `tradewatch backtest enqueue` as a person (or Airflow) runs them: bad
 * input exits 2 saying what is wrong and what is accepted; run-now exits 0 or 1 with the run's outcome;
 * `schedule run` fires jobs and stops cleanly on SIGTERM.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { physicalName } from '../../topics/index.ts';
import { runCli, startCli } from '../helpers/cli.ts';
import { withTestTopics } from '../helpers/kafka.ts';
import { readTopic } from '../helpers/topics.ts';
import { uniqueName } from '../helpers/unique.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { testDatabase, testSchema } from '../scheduler/helpers.ts';

const db = testDatabase();

/** Environment for a test: its own schema (so its own jobs), and a topic prefix when asked. */
async function env(prefix?: string): Promise<Record<string, string>> {
  return {
    DATABASE_URL: await testSchema(db.url()),
    ...(prefix === undefined ? {} : { TOPIC_PREFIX: prefix }),
  };
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tw-cli-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('schedule: bad input exits 2 and says what is accepted', () => {
  it('a bad cron, an unknown zone, an unknown template', async () => {
    const e = await env();
    const cron = await runCli(
      ['schedule', 'add', 'j', '--template', 'precision-daily', '--cron', '0 25 * * *'],
      { env: e },
    );
    expect(cron.code).toBe(2);
    expect(cron.stderr).toContain('TW_JOB_INVALID');
    expect(cron.stderr).toContain(
      'cron "0 25 * * *" is not valid: Constraint error, got value 25 expected range 0-23',
    );
    expect(cron.stderr).toContain('accepted: 5 fields "minute hour day-of-month month day-of-week"');
    const zone = await runCli(
      [
        'schedule',
        'add',
        'j',
        '--template',
        'precision-dayly',
        '--cron',
        '0 2 * * *',
        '--tz',
        'Europe/Pariss',
      ],
      { env: e },
    );
    expect(zone.code).toBe(2);
    expect(zone.stderr).toContain(
      'time zone "Europe/Pariss" is not an IANA time zone (did you mean "Europe/Paris"?)',
    );
    expect(zone.stderr).toContain(
      '--template "precision-dayly" is not a template (did you mean "precision-daily"?); accepted: trading-window-check, pnl-reconciliation, precision-daily, risk-check, backtest-fanout, connector-run',
    );
  });

  it('bad parameters, listing the template’s parameters', async () => {
    const bad = await runCli(
      [
        'schedule',
        'add',
        'j',
        '--template',
        'trading-window-check',
        '--every',
        '15m',
        '--params',
        '{"strategy": "m", "window": {"start": "9:30"}}',
      ],
      { env: await env() },
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      'params.window.start: expected a local time HH:MM (00:00 to 23:59), found "9:30"',
    );
    expect(bad.stderr).toContain(
      'params.window.end: Invalid input: expected string, received undefined (missing)',
    );
    expect(bad.stderr).toContain('accepted parameters of template "trading-window-check":');
    expect(bad.stderr).toContain('max_gap (string or number, default "15m"): Longest silence');
  });

  it('an unknown job, a bad time flag', async () => {
    const e = await env();
    const unknown = await runCli(['schedule', 'run-now', 'nope'], { env: e });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('TW_JOB_UNKNOWN: no job "nope"');
    const time = await runCli(
      ['schedule', 'backfill', 'nope', '--from', 'yesterday', '--to', '2025-01-01T00:00:00Z'],
      {
        env: e,
      },
    );
    expect(time.code).toBe(2);
    expect(time.stderr).toContain('"yesterday": expected an ISO-8601 time with a zone');
  });
});

describe('schedule: jobs', () => {
  it('adds, lists, shows, disables, enables, backfills, removes', async () => {
    const e = await env();
    const add = await runCli(
      [
        'schedule',
        'add',
        'pd',
        '--template',
        'precision-daily',
        '--cron',
        '30 2 * * *',
        '--tz',
        'Europe/London',
        '--params',
        '{days: 2}',
      ],
      { env: e },
    );
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toContain('added job pd: precision-daily cron "30 2 * * *" (Europe/London), env prod');
    const list = await runCli(['schedule', 'list'], { env: e });
    expect(list.stdout).toMatch(/^pd +precision-daily +cron "30 2 \* \* \*" \(Europe\/London\) +prod +yes/m);
    expect((await runCli(['schedule', 'disable', 'pd'], { env: e })).stdout).toBe('disabled job pd\n');
    expect((await runCli(['schedule', 'show', 'pd'], { env: e })).stdout).toContain('enabled:   no');
    expect((await runCli(['schedule', 'enable', 'pd'], { env: e })).code).toBe(0);
    const backfill = await runCli(
      ['schedule', 'backfill', 'pd', '--from', '2025-03-01T00:00:00Z', '--to', '2025-03-03T23:59:00Z'],
      { env: e },
    );
    expect(backfill.stdout).toBe('backfill of pd: 3 run(s) created, 0 occurrence(s) already had one\n');
    const history = await runCli(['schedule', 'history', 'pd', '--json'], { env: e });
    expect(
      history.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { trigger: string }).trigger),
    ).toEqual(['backfill', 'backfill', 'backfill']);
    const again = await runCli(['schedule', 'add', 'pd', '--template', 'precision-daily', '--every', '1h'], {
      env: e,
    });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('a job "pd" already exists');
    expect((await runCli(['schedule', 'remove', 'pd'], { env: e })).stdout).toBe('removed job pd\n');
    expect((await runCli(['schedule', 'list'], { env: e })).stdout).toBe('(none)\n');
  });

  it('works the same on the JSON-file store', async () => {
    const dir = await tempDir();
    const e = { TW_SCHEDULER_STORE: 'json-file', TW_SCHEDULER_JSON_FILE: path.join(dir, 'jobs.json') };
    expect(
      (await runCli(['schedule', 'add', 'rk', '--template', 'risk-check', '--every', '5m'], { env: e })).code,
    ).toBe(0);
    expect((await runCli(['schedule', 'list'], { env: e })).stdout).toMatch(
      /^rk +risk-check +every 5m +prod +yes/m,
    );
  });
});

describe('schedule run-now: the exit code is the run’s outcome', () => {
  it('exits 0 when the run succeeded, and publishes its JobRun', async () => {
    const prefix = await withTestTopics('cli-sched');
    const e = await env(prefix);
    const strategy = uniqueName('none');
    await runCli(
      [
        'schedule',
        'add',
        'ok',
        '--template',
        'precision-daily',
        '--every',
        '1d',
        '--params',
        JSON.stringify({ strategies: [strategy] }),
      ],
      {
        env: e,
      },
    );
    const run = await runCli(['schedule', 'run-now', 'ok'], { env: e });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/manual +succeeded +1 /);
    const records = await readTopic(physicalName('jobs.runs', prefix), 'JobRun');
    expect(records).toMatchObject([
      { job: 'ok', trigger: 'manual', outcome: 'succeeded', final: true, summary: { rows: '0' } },
    ]);
  });

  it('exits 1 when it failed after its retries', async () => {
    const prefix = await withTestTopics('cli-sched');
    const e = await env(prefix);
    await runCli(
      [
        'schedule',
        'add',
        'bt',
        '--template',
        'backtest-fanout',
        '--every',
        '1d',
        '--retries',
        '1',
        '--backoff',
        '1s',
        '--params',
        '{"request": "missing.yaml"}',
      ],
      { env: e },
    );
    const run = await runCli(['schedule', 'run-now', 'bt'], { env: e });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'TW_JOB_FAILED: the run of job bt ended failed after 2 attempt(s): TW_BACKTEST_INVALID: cannot read the backtest request missing.yaml',
    );
    const records = await readTopic(physicalName('jobs.runs', prefix), 'JobRun');
    expect(records.map((r) => [r.attempt, r.outcome, r.final])).toEqual([
      [1, 'failed', false],
      [2, 'failed', true],
    ]);
  });
});

describe('backtest enqueue', () => {
  it('exits 2 with file:line for a bad request, and enqueues a good one', async () => {
    const dir = await tempDir();
    const bad = path.join(dir, 'bad.yaml');
    await writeFile(bad, 'id: x\nstrategy: s\nfrom: 2025-01-02\nto: 2025-01-01\nuniverse: []\n');
    const rejected = await runCli(['backtest', 'enqueue', bad]);
    expect(rejected.code).toBe(2);
    expect(rejected.stderr).toMatch(/TW_BACKTEST_INVALID: the backtest request .*bad\.yaml is invalid/);
    expect(rejected.stderr).toMatch(/bad\.yaml:5:11: universe: expected at least one asset/);

    const prefix = await withTestTopics('cli-bt');
    const good = path.join(dir, 'good.yaml');
    await writeFile(
      good,
      'id: q1\nstrategy: s\nfrom: 2025-01-01\nto: 2025-01-03\nuniverse: [A, B]\nslice: { every: 1d }\n',
    );
    const enqueued = await runCli(['backtest', 'enqueue', good], { env: { TOPIC_PREFIX: prefix } });
    expect(enqueued.code, enqueued.stderr).toBe(0);
    expect(enqueued.stdout).toContain(`enqueued backtest q1: 2 task(s) on ${prefix}backtest.tasks`);
    const tasks = await readTopic(physicalName('backtest.tasks', prefix), 'BacktestTask');
    expect(tasks.map((t) => t.task_id).sort()).toEqual(['q1/0', 'q1/1']);
  });
});

describe('schedule run', () => {
  it('fires a job on its schedule and stops cleanly on SIGTERM', async () => {
    const prefix = await withTestTopics('cli-daemon');
    const e = { ...(await env(prefix)), TW_SCHEDULER_POLL_MS: '200', TW_SCHEDULER_LEASE_MS: '2000' };
    const strategy = uniqueName('none');
    await runCli(
      [
        'schedule',
        'add',
        'tick',
        '--template',
        'precision-daily',
        '--every',
        '1s',
        '--misfire',
        'skip',
        '--params',
        JSON.stringify({ strategies: [strategy] }),
      ],
      { env: e },
    );
    const daemon = startCli(['schedule', 'run', '--instance-id', 'd1'], {
      env: { ...e, TW_LOG_LEVEL: 'info' },
    });
    onTestFinished(() => {
      if (daemon.child.exitCode === null && daemon.child.signalCode === null) daemon.child.kill('SIGKILL');
    });
    await waitFor(
      'two runs of the job to succeed',
      async () => {
        if (daemon.child.exitCode !== null) throw new Error(`the scheduler exited:\n${daemon.stderr()}`);
        const history = await runCli(['schedule', 'history', 'tick', '--json'], { env: e });
        const states = history.stdout
          .trim()
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => (JSON.parse(l) as { state: string }).state);
        return states.filter((s) => s === 'succeeded').length >= 2;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    daemon.child.kill('SIGTERM');
    const exited = await daemon.exited;
    expect(exited.code, exited.stderr).toBe(0);
    expect(exited.stderr).toContain('scheduler stopped');
    const records = await readTopic(physicalName('jobs.runs', prefix), 'JobRun');
    expect(records.filter((r) => r.outcome === 'succeeded').length).toBeGreaterThanOrEqual(2);
    expect(records.every((r) => r.instance === 'd1' && r.job === 'tick')).toBe(true);
  });
});
