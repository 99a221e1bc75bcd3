/**
 * `tradewatch dlq list | replay` on the real Kafka, with a real pipeline dead-lettering: entries with
 * their errors, a replay in one transaction that fails again and comes back with both errors, and a
 * second replay of the same record refused unless forced.
 */
import { describe, expect, it } from 'vitest';
import { SchemaRegistry } from '../../schemas/index.ts';
import { physicalName } from '../../topics/index.ts';
import { runCli } from '../helpers/cli.ts';
import { testKafka } from '../helpers/kafka.ts';
import { logLines, pipelinePrefix, startPipeline } from '../helpers/pipeline.ts';
import { readDeadLetters } from '../helpers/topics.ts';
import { waitFor } from '../helpers/wait-for.ts';

const registry = await SchemaRegistry.load();
const T0 = Date.UTC(2026, 0, 5, 9);

interface Listed {
  id: string;
  source: { topic: string; partition: number; offset: string };
  failures: { code: string; message: string; failed_by: string }[];
  replay_of: { id: string; code: string } | null;
  replays: { at: string; forced: boolean }[];
}

async function list(env: Record<string, string>, ...flags: string[]): Promise<Listed[]> {
  const result = await runCli(['dlq', 'list', '--json', ...flags], { env });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as Listed[];
}

describe('dlq list and replay', () => {
  it('lists dead letters by record, replays them once, and refuses a second replay unless forced', async () => {
    const prefix = await pipelinePrefix('dlq');
    const env = { TOPIC_PREFIX: prefix };
    const marks = physicalName('portfolio.marks', prefix);
    const dlq = physicalName('dlq', prefix);
    const mark = (ts: number, equity: number) =>
      registry.codec('PortfolioMark').encode({ portfolio: 'alpha', env: 'prod', ts, equity, cash: null });
    const producer = await testKafka().producer();
    try {
      await producer.send([
        { topic: marks, key: 'alpha', partition: 0, value: mark(T0, 1_000_000) },
        { topic: marks, key: 'alpha', partition: 0, value: Buffer.from('definitely not avro') },
        { topic: marks, key: 'alpha', partition: 0, value: mark(T0 + 60_000, -5) },
        { topic: marks, key: 'alpha', partition: 0, value: mark(T0 + 120_000, 990_000) },
      ]);
    } finally {
      await producer.close();
    }
    const pipeline = await startPipeline(prefix, ['--processors', 'drawdown', '--no-heartbeat']);
    await waitFor('2 dead letters', async () => (await readDeadLetters(dlq)).length >= 2, {
      timeoutMs: 60_000,
      intervalMs: 500,
    });
    // The log says so once per batch, counts by code and one example, not a line per record.
    const logged = await waitFor(
      'the dead letters logged',
      () => {
        const lines = logLines(pipeline.stderr()).filter((l) => String(l['msg']).startsWith('dead-lettered'));
        const total = lines.reduce(
          (n, l) => n + Object.values(l['deadLettered'] as Record<string, number>).reduce((a, b) => a + b, 0),
          0,
        );
        return total >= 2 ? lines : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(logged.every((l) => / record\(s\) to dlq \(.*\); e\.g\. /.test(String(l['msg'])))).toBe(true);

    const listed = await list(env);
    expect(listed.map((e) => [e.id, e.failures.map((f) => [f.code, f.failed_by])])).toEqual([
      [`${marks}:0:1`, [['TW_DECODE_NOT_SINGLE_OBJECT', 'drawdown']]],
      [`${marks}:0:2`, [['TW_RECORD_INVALID', 'drawdown']]],
    ]);
    expect(listed.every((e) => e.replays.length === 0 && e.replay_of === null)).toBe(true);
    // Read as a person would: each error's text, and a closing count by code.
    const text = await runCli(['dlq', 'list', '--topic', 'portfolio.marks'], { env });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('portfolio.marks[0]@2');
    expect(text.stdout).toMatch(/equity\s+must be a finite number > 0/);
    expect(text.stdout).toContain('2 record(s), 1 TW_DECODE_NOT_SINGLE_OBJECT, 1 TW_RECORD_INVALID');
    const wide = text.stdout.split('\n').filter((l) => l.length > 80 && !l.startsWith('  id '));
    expect(wide).toEqual([]);

    // Without a selection nothing is replayed.
    const unselected = await runCli(['dlq', 'replay'], { env });
    expect(unselected.code).toBe(1);
    expect(unselected.stderr).toContain('TW_INPUT_INVALID');

    // The invalid mark is replayed as it was: it fails again, and its new dead letter has both errors.
    const replayed = await runCli(['dlq', 'replay', '--code', 'TW_RECORD_INVALID'], { env });
    expect(replayed.stderr).toBe('');
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toContain('replayed 1 record(s) in one transaction: 1 to portfolio.marks');
    await waitFor('the replay dead-lettered again', async () => (await readDeadLetters(dlq)).length >= 3, {
      timeoutMs: 60_000,
      intervalMs: 500,
    });
    const invalid = await list(env, '--code', 'TW_RECORD_INVALID');
    expect(invalid).toHaveLength(2);
    expect(invalid[0]!.id).toBe(`${marks}:0:2`);
    expect(invalid[0]!.replays).toHaveLength(1);
    expect(invalid[1]!.source).toEqual({ topic: marks, partition: 0, offset: invalid[1]!.source.offset });
    expect(invalid[1]!.replay_of).toMatchObject({ id: `${marks}:0:2`, code: 'TW_RECORD_INVALID' });
    expect(invalid[1]!.failures[0]!.code).toBe('TW_RECORD_INVALID');

    // The same record again: refused, nothing re-produced; with --force, replayed.
    const again = await runCli(['dlq', 'replay', '--id', `${marks}:0:2`], { env });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('TW_DLQ_REPLAY_REFUSED');
    expect(again.stderr).toContain(`${marks}:0:2 (replayed 1×`);
    const dry = await runCli(['dlq', 'replay', '--id', `${marks}:0:2`, '--force', '--dry-run'], { env });
    expect(dry.stdout).toContain('dry run, nothing replayed: 1 to replay, 0 refused');
    const forced = await runCli(['dlq', 'replay', '--id', `${marks}:0:2`, '--force'], { env });
    expect(forced.code).toBe(0);
    const after = await list(env, '--id', `${marks}:0:2`);
    expect(after[0]!.replays.map((r) => r.forced)).toEqual([false, true]);
  });
});
