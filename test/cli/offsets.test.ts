/**
 * `tradewatch offsets reset`: the rules processor's group, which has read `metrics`, is set to the end
 * of `ingest.runs` (a new input, as when a rule over records is added) or back to a topic's start;
 * a dry run changes nothing; a running `tradewatch run` of the processor is refused; usage errors
 * exit 2.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import type { IncomingRecord, KafkaAdmin, KafkaClient } from '../../runtime/kafka/index.ts';
import { physicalName, processorGroup } from '../../topics/index.ts';
import { runCli } from '../helpers/cli.ts';
import { testAdmin, testKafka } from '../helpers/kafka.ts';
import { pipelinePrefix, startPipeline } from '../helpers/pipeline.ts';
import { uniqueName } from '../helpers/unique.ts';
import { waitFor } from '../helpers/wait-for.ts';

const kafka: KafkaClient = testKafka();

interface Setup {
  /** An admin client of this test only (kafkajs's admin keeps asking for the topics it once asked about). */
  admin: KafkaAdmin;
  env: Record<string, string>;
  group: string;
  metrics: string;
  runs: string;
}

/**
 * A fresh prefix (the catalogue's topics; removed with the processors' groups and changelogs at the
 * end), three records on `ingest.runs` the rules group never read, and the group's offsets committed on
 * `metrics` (partition 0 at 1: it has read part of it).
 */
async function setup(label: string): Promise<Setup> {
  const prefix = await pipelinePrefix(`offsets-${label}`);
  const admin = await testAdmin(kafka);
  const metrics = physicalName('metrics', prefix);
  const runs = physicalName('ingest.runs', prefix);
  const group = processorGroup('rules', prefix);
  await produce(runs, ['old-1', 'old-2', 'old-3']);
  await produce(metrics, ['m-1', 'm-2']);
  const producer = await kafka.producer({ transactionalId: uniqueName('t-offsets-commit') });
  try {
    await producer.sendAtomically([], {
      consumerOffsets: { groupId: group, offsets: [{ topic: metrics, partition: 0, offset: '1' }] },
    });
  } finally {
    await producer.close();
  }
  return { admin, env: { TOPIC_PREFIX: prefix }, group, metrics, runs };
}

/** Produces the values to partition 0 of a topic (raw bytes: offsets do not care what records hold). */
async function produce(topic: string, values: string[]): Promise<void> {
  const producer = await kafka.producer();
  try {
    await producer.send(values.map((v) => ({ topic, partition: 0, key: v, value: Buffer.from(v) })));
  } finally {
    await producer.close();
  }
}

/** The group's committed offsets on a topic, by partition (partitions without one left out). */
async function committed(admin: KafkaAdmin, group: string, topic: string): Promise<Record<number, string>> {
  const positions = await admin.groupOffsets(group, [topic]);
  return Object.fromEntries(
    positions.filter((p) => BigInt(p.offset) >= 0n).map((p) => [p.partition, p.offset]),
  );
}

/** The table rows of the command's output, as [partition, before, after] (header and title left out). */
function rows(stdout: string): string[][] {
  return stdout
    .split('\n')
    .filter((l) => /^\d+ /.test(l))
    .map((l) => l.trim().split(/\s+/));
}

describe('tradewatch offsets reset', () => {
  it('sets a topic the group never read to its end; the group then reads only records produced after', async () => {
    const { admin, env, group, metrics, runs } = await setup('end');
    const partitions = (await admin.offsets(runs)).length;

    const result = await runCli(['offsets', 'reset', 'rules', '--topic', 'ingest.runs', '--to', 'end'], {
      env,
    });

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`group ${group} on ${runs} set to its end`);
    expect(result.stdout).toMatch(/^PARTITION +BEFORE +AFTER$/m);
    expect(rows(result.stdout)).toEqual(
      Array.from({ length: partitions }, (_, p) => [String(p), 'none', p === 0 ? '3' : '0']),
    );
    expect((await committed(admin, group, runs))[0]).toBe('3');
    expect(await committed(admin, group, metrics)).toEqual({ 0: '1' });

    // A consumer of the group, starting a partition without offsets at its beginning as processors do.
    await produce(runs, ['new-1', 'new-2']);
    const consumer = await kafka.consumer({ groupId: group, topics: [runs], fromBeginning: true });
    onTestFinished(() => consumer.close());
    const seen: IncomingRecord[] = [];
    await consumer.run((records) => void seen.push(...records));
    await waitFor('the records produced after the reset', () => seen.length >= 2);
    expect(seen.map((r) => r.value?.toString('utf8'))).toEqual(['new-1', 'new-2']);
  });

  it('sets a topic the group has read back to its start', async () => {
    const { admin, env, group, metrics, runs } = await setup('start');

    const result = await runCli(['offsets', 'reset', 'rules', '--topic', 'metrics', '--to', 'start'], {
      env,
    });

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`group ${group} on ${metrics} set to its start`);
    expect(rows(result.stdout)[0]).toEqual(['0', '1', '0']);
    expect((await committed(admin, group, metrics))[0]).toBe('0');
    expect(await committed(admin, group, runs)).toEqual({});
  });

  it('prints what it would set on a dry run, and changes nothing', async () => {
    const { admin, env, group, metrics, runs } = await setup('dry');

    const result = await runCli(
      ['offsets', 'reset', 'rules', '--topic', 'ingest.runs', '--to', 'end', '--dry-run'],
      { env },
    );

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `dry run, nothing changed: group ${group} on ${runs} would be set to its end`,
    );
    expect(result.stdout).toMatch(/^PARTITION +BEFORE +WOULD_BE$/m);
    expect(rows(result.stdout)[0]).toEqual(['0', 'none', '3']);
    expect(await committed(admin, group, runs)).toEqual({});
    expect(await committed(admin, group, metrics)).toEqual({ 0: '1' });
  });

  it('refuses while `tradewatch run` runs the processor, saying to stop it; then works once it stopped', async () => {
    const { admin, env, group, runs } = await setup('busy');
    const pipeline = await startPipeline(env['TOPIC_PREFIX']!, ['--processors', 'rules', '--no-heartbeat']);
    const args = ['offsets', 'reset', 'rules', '--topic', 'ingest.runs', '--to', 'end'];

    const refused = await runCli(args, { env });

    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain(
      `tradewatch: TW_KAFKA_FAILED: consumer group ${group} has running instances`,
    );
    expect(refused.stderr).toContain('Stop `tradewatch run` for that processor on every machine first');
    expect(await committed(admin, group, runs)).toEqual({});

    pipeline.child.kill('SIGINT');
    expect((await pipeline.exited).code).toBe(0);
    const result = await runCli(args, { env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect((await committed(admin, group, runs))[0]).toBe('3');
  });

  it('says when the topic does not exist on the cluster (nothing under this TOPIC_PREFIX)', async () => {
    const prefix = `${uniqueName('t-offsets-none')}.`;
    const result = await runCli(['offsets', 'reset', 'rules', '--topic', 'ingest.runs', '--to', 'end'], {
      env: { TOPIC_PREFIX: prefix },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `tradewatch: TW_TOPIC_UNKNOWN: topic ${prefix}ingest.runs does not exist on the cluster`,
    );
    expect(result.stderr).toContain('`tradewatch topics apply` creates the catalogue topics');
  });

  it('refuses an unknown processor or topic with a did-you-mean, and a missing --to, with exit code 2', async () => {
    const processor = await runCli(['offsets', 'reset', 'rulez', '--topic', 'ingest.runs', '--to', 'end']);
    expect(processor.code).toBe(2);
    expect(processor.stderr).toContain('unknown processor "rulez" (did you mean "rules"?)');

    const topic = await runCli(['offsets', 'reset', 'rules', '--topic', 'ingest.run', '--to', 'end']);
    expect(topic.code).toBe(2);
    expect(topic.stderr).toContain('unknown topic "ingest.run" (did you mean "ingest.runs"?)');

    const to = await runCli(['offsets', 'reset', 'rules', '--topic', 'ingest.runs']);
    expect(to.code).toBe(2);
    expect(to.stderr).toContain("required option '--to <where>' not specified");

    const where = await runCli(['offsets', 'reset', 'rules', '--topic', 'ingest.runs', '--to', 'latest']);
    expect(where.code).toBe(2);
    expect(where.stderr).toContain('Allowed choices are end, start');
  });
});
