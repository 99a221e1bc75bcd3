/**
 * `tradewatch produce` then `tradewatch consume` on the real Kafka: JSON lines round-trip for every
 * topic of the catalogue; bad input is reported by line and field and leaves nothing behind;
 * undecodable records are reported with their typed error.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { SchemaRegistry } from '../../schemas/index.ts';
import {
  TOPICS,
  deadLetterFromJson,
  deadLetterToJson,
  findTopic,
  physicalName,
  type TopicDefinition,
} from '../../topics/index.ts';
import { jsonLines, runCli, startCli } from '../helpers/cli.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { testAdmin, testKafka, withTestTopics } from '../helpers/kafka.ts';
import { uniqueName } from '../helpers/unique.ts';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/jsonl');

/** JSON with object keys sorted, so that equal values compare equal whatever their key order. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
const sortJson = (values: unknown[]) => values.map(canonical).sort();

const registry = await SchemaRegistry.load();

/** A topic's JSON line as the record it stands for (timestamps as epoch ms or ISO-8601 alike). */
function asRecords(topic: string): (line: unknown) => unknown {
  const definition = findTopic(topic);
  if (definition.value.kind === 'avro') {
    const codec = registry.codec(definition.value.type);
    return (line) => codec.toJson(codec.fromJson(line));
  }
  return (line) => deadLetterToJson(deadLetterFromJson(line));
}

describe('produce and consume', () => {
  let prefix: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    // One prefix for the file: `topics apply` through the CLI creates the whole catalogue under it.
    prefix = `${uniqueName('t-cli')}.`;
    env = { TOPIC_PREFIX: prefix };
    const applied = await runCli(['topics', 'apply'], { env });
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(applied.stdout.match(/^created /gm)).toHaveLength(TOPICS.length);
    return async () => {
      const admin = await testKafka().admin();
      await admin.deleteTopics(TOPICS.map((t) => physicalName(t.name, prefix)));
      await admin.close();
    };
  });

  it.each((TOPICS as readonly TopicDefinition[]).filter((t) => t.internal !== true).map((t) => t.name))(
    'round-trips JSON lines through %s',
    async (topic) => {
      const text = await readFile(path.join(FIXTURES, `${topic}.jsonl`), 'utf8');
      const produced = await runCli(['produce', topic], { env, input: text });
      expect(produced.stderr).toBe('');
      expect(produced.code).toBe(0);
      const expected = jsonLines(text);
      expect(produced.stdout).toContain(`produced ${expected.length} record(s) to ${prefix}${topic}`);

      // Printed with ISO-8601 timestamps, which read back as the same records.
      const consumed = await runCli(['consume', topic, '--from-beginning'], { env });
      expect(consumed.stderr).toBe('');
      expect(consumed.code).toBe(0);
      const read = asRecords(topic);
      expect(sortJson(jsonLines(consumed.stdout).map(read))).toEqual(sortJson(expected.map(read)));
    },
  );

  it('prints timestamp-millis fields as ISO-8601, and as epoch ms with --epoch-ms', async () => {
    const text = await readFile(path.join(FIXTURES, 'portfolio.marks.jsonl'), 'utf8');
    const topic = 'portfolio.marks';
    const freshEnv = { TOPIC_PREFIX: await withTestTopics('iso') };
    expect((await runCli(['produce', topic], { env: freshEnv, input: text })).code).toBe(0);
    const expected = jsonLines(text) as { ts: number }[];

    const iso = await runCli(['consume', topic, '--from-beginning', '--meta'], { env: freshEnv });
    expect(iso.code).toBe(0);
    const lines = jsonLines(iso.stdout) as { timestamp: string; value: { ts: string } }[];
    expect(lines.map((l) => l.value.ts).sort()).toEqual(
      expected.map((m) => new Date(m.ts).toISOString()).sort(),
    );
    expect(lines.every((l) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(l.timestamp))).toBe(true);

    const raw = await runCli(['consume', topic, '--from-beginning', '--epoch-ms'], { env: freshEnv });
    expect(raw.code).toBe(0);
    expect(sortJson(jsonLines(raw.stdout))).toEqual(sortJson(expected));
  });

  it.each((TOPICS as readonly TopicDefinition[]).filter((t) => t.internal === true).map((t) => t.name))(
    'refuses to produce to the internal topic %s, saying why',
    async (topic) => {
      const produced = await runCli(['produce', topic], { env, input: '{}\n' });
      expect(produced.code).toBe(1);
      expect(produced.stderr).toContain('TW_INPUT_INVALID');
      expect(produced.stderr).toContain(`${topic} is an internal topic, written by the processors only`);
    },
  );

  it('keys records as the catalogue says and reads them from a file with --file and --meta', async () => {
    const file = path.join(FIXTURES, 'metrics.jsonl');
    const t = `${prefix}metrics`;
    const before = jsonLines(
      (await runCli(['consume', 'metrics', '--from-beginning'], { env })).stdout,
    ).length;
    const produced = await runCli(['produce', 'metrics', '--file', file], { env });
    expect(produced.code).toBe(0);
    const consumed = await runCli(['consume', 'metrics', '--from-beginning', '--meta'], { env });
    const lines = jsonLines(consumed.stdout) as {
      key: string;
      topic: string;
      offset: string;
      value: unknown;
    }[];
    expect(lines.length).toBe(before + 2);
    expect(lines.map((l) => l.key)).toContain('drawdown_1h{env=prod,portfolio=alpha}');
    expect(lines.every((l) => l.topic === t && /^\d+$/.test(l.offset))).toBe(true);
  });

  it('stops after --max records', async () => {
    const consumed = await runCli(['consume', 'portfolio.marks', '--from-beginning', '--max', '1'], { env });
    expect(consumed.code).toBe(0);
    expect(jsonLines(consumed.stdout)).toHaveLength(1);
  });

  it('rejects a file with bad lines, naming line and field, and produces nothing', async () => {
    const fresh = `${prefix}bad.`;
    const admin = await testAdmin();
    const localEnv = { TOPIC_PREFIX: fresh };
    await runCli(['topics', 'apply'], { env: localEnv });
    try {
      const input = [
        '{"portfolio":"alpha","env":"prod","ts":1767621600000,"equity":1000000}',
        '',
        '{"portfolio":"alpha","env":"live","ts":1767621660000,"equity":"lots"}',
        '{not json',
        '{"portfolio":"alpha","env":"prod","ts":1767621720000,"equity":1,"eqiuty":2}',
      ].join('\n');
      const result = await runCli(['produce', 'portfolio.marks'], { env: localEnv, input });
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('TW_INPUT_INVALID');
      expect(result.stderr).toContain('nothing was produced');
      expect(result.stderr).toMatch(/stdin:3: .*env.*prod, staging, paper.*live/);
      expect(result.stderr).toMatch(/stdin:3: .*equity.*double.*lots/);
      expect(result.stderr).toMatch(/stdin:4: not valid JSON/);
      expect(result.stderr).toMatch(/stdin:5: .*eqiuty/);
      expect(result.stderr).not.toMatch(/stdin:1:/);
      const offsets = await admin.offsets(`${fresh}portfolio.marks`);
      expect(offsets.every((p) => p.high === '0')).toBe(true);
    } finally {
      await admin.deleteTopics(TOPICS.map((t) => physicalName(t.name, fresh)));
    }
  });

  it('reports undecodable records with their typed error and exits 1', async () => {
    const kafka = testKafka();
    const producer = await kafka.producer();
    const t = `${prefix}outcomes`;
    try {
      await producer.send([
        { topic: t, key: 'x', value: Buffer.from('definitely not avro') },
        // Single-object header with a fingerprint no schema has.
        { topic: t, key: 'y', value: Buffer.from([0xc3, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 0]) },
      ]);
    } finally {
      await producer.close();
    }
    const consumed = await runCli(['consume', 'outcomes', '--from-beginning'], { env });
    expect(consumed.code).toBe(1);
    expect(consumed.stderr).toMatch(
      new RegExp(`${t.replace(/\./g, '\\.')}\\[\\d\\]@\\d+: TW_DECODE_NOT_SINGLE_OBJECT`),
    );
    expect(consumed.stderr).toContain('TW_DECODE_UNKNOWN_SCHEMA');
    // The closing summary counts each real code.
    expect(consumed.stderr).toContain(
      'could not be decoded (listed above: 1 TW_DECODE_NOT_SINGLE_OBJECT, 1 TW_DECODE_UNKNOWN_SCHEMA)',
    );
    // The good records are still printed.
    expect(jsonLines(consumed.stdout).length).toBeGreaterThanOrEqual(2);
  });

  it('names an unknown topic and the known ones', async () => {
    const result = await runCli(['produce', 'portfolio.mark'], { env, input: '{}' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('TW_TOPIC_UNKNOWN');
    expect(result.stderr).toContain('portfolio.marks');
  });

  it('follows new records until interrupted, then stops cleanly on SIGINT with exit code 0', async () => {
    // --from-beginning too: a record produced before the follower has its offsets cannot be missed.
    const follower = startCli(['consume', 'signals', '--from-beginning', '--follow', '--epoch-ms'], { env });
    onTestFinished(() => void follower.child.kill('SIGKILL'));
    const line =
      '{"source":"x","asset":"ETH-USD","name":"mentions_1h","value":1200,"unit":null,"ts":1767621600000,"labels":{}}';
    expect((await runCli(['produce', 'signals'], { env, input: line })).code).toBe(0);
    await waitFor('the followed record', () => follower.stdout().includes('mentions_1h'), {
      timeoutMs: 30_000,
    });
    expect(follower.child.exitCode).toBeNull(); // still following
    follower.child.kill('SIGINT');
    const result = await follower.exited;
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    // flags (Signal v2) was not written: it reads as its default.
    expect(jsonLines(result.stdout)).toContainEqual({ ...JSON.parse(line), flags: [] });
  });

  it('says Kafka is unreachable, where, and what to do', async () => {
    const result = await runCli(['topics', 'list'], { env: { ...env, KAFKA_BROKERS: '127.0.0.1:1' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('TW_KAFKA_UNAVAILABLE: Kafka at 127.0.0.1:1 did not answer');
    expect(result.stderr).toContain('tradewatch stack up');
  });

  it('rejects an invalid configuration with every problem and exit code 2', async () => {
    const result = await runCli(['topics', 'list'], {
      env: {
        ...env,
        KAFKA_BROKERS: 'nohost',
        TW_STACK_KAFKA_PORT: '0',
        DATABASE_URL: 'mysql://u:s3cret@db:3306/x',
      },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('TW_CONFIG_INVALID');
    expect(result.stderr).toContain('KAFKA_BROKERS');
    expect(result.stderr).toContain('TW_STACK_KAFKA_PORT');
    expect(result.stderr).toContain('DATABASE_URL');
    expect(result.stderr).not.toContain('s3cret');
    expect(result.stdout).toBe('');
  });
});
