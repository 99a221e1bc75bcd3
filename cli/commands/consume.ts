import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { parsePositiveInt } from '../parse.ts';
import type { IncomingRecord } from '../../runtime/kafka/index.ts';
import { DecodeError, TradewatchError, type ErrorCode } from '../../core/errors.ts';
import { isoTimestamp, type JsonOutputOptions } from '../../schemas/index.ts';
import { deadLetterToJson, findTopic, physicalName, readDeadLetter } from '../../topics/index.ts';
import type { CliContext } from '../context.ts';

interface ConsumeFlags {
  fromBeginning?: boolean;
  max?: number;
  follow?: boolean;
  meta?: boolean;
  epochMs?: boolean;
}

export function registerConsumeCommand(program: Command, context: (c: Command) => CliContext): void {
  program
    .command('consume')
    .description(
      'print a topic’s records as JSON lines (dead letters with their origin and error); without ' +
        '--follow it stops at the end of the topic as it was at start',
    )
    .argument('<topic>', 'logical topic name (see `topics list`)')
    .option(
      '--from-beginning',
      'start at the oldest record kept (default: only records produced from now on)',
    )
    .option('-n, --max <count>', 'stop after this many records', parsePositiveInt)
    .option('--follow', 'keep waiting for new records until interrupted (Ctrl-C)')
    .option('--meta', 'wrap each line with topic, partition, offset, timestamp and key')
    .option(
      '--epoch-ms',
      'print timestamps as epoch milliseconds, as Avro holds them (default: ISO-8601 in UTC; `produce` reads both)',
    )
    .action(async (topicName: string, opts: ConsumeFlags, command: Command) => {
      const ctx = context(command);
      const topic = findTopic(topicName);
      const name = physicalName(topic.name, ctx.config.kafka.topicPrefix);
      const registry = await ctx.registry();
      const json: JsonOutputOptions = { timestamps: opts.epochMs === true ? 'epoch-ms' : 'iso' };
      const time = (ts: number): unknown => (opts.epochMs === true ? ts : isoTimestamp(ts));
      const codec = topic.value.kind === 'avro' ? registry.codec(topic.value.type) : undefined;
      const decode: ((bytes: Buffer) => unknown) | undefined = codec
        ? (bytes) => codec.toJson(codec.decode(bytes), json)
        : topic.value.kind === 'avro-mixed'
          ? (bytes) => {
              const decoded = registry.decodeAny(bytes);
              return {
                type: decoded.type,
                value: registry.codec(decoded.type).toJson(decoded.value as never, json),
              };
            }
          : undefined;

      const admin = await ctx.kafka().admin();
      ctx.onClose(() => admin.close());
      const offsets = await admin.offsets(name);
      // Where reading stops without --follow: each partition's end as it is now.
      const endOf = new Map(offsets.map((p) => [p.partition, BigInt(p.high)]));
      const position = new Map(
        offsets.map((p) => [p.partition, BigInt(opts.fromBeginning ? p.low : p.high)]),
      );
      const caughtUp = () => [...endOf].every(([p, end]) => (position.get(p) ?? 0n) >= end);

      let printed = 0;
      // Undecodable records by error code, for the closing summary.
      const undecodable = new Map<string, number>();
      const done = Promise.withResolvers<void>();
      const finishIfDone = () => {
        if ((opts.max !== undefined && printed >= opts.max) || (!opts.follow && caughtUp())) done.resolve();
      };
      const onAbort = () => done.resolve();
      ctx.signal.addEventListener('abort', onAbort, { once: true });

      const print = (record: IncomingRecord) => {
        let value: unknown;
        if (decode) {
          if (record.value === null) {
            value = null;
          } else {
            try {
              value = decode(record.value);
            } catch (error: unknown) {
              if (!(error instanceof DecodeError)) throw error;
              undecodable.set(error.code, (undecodable.get(error.code) ?? 0) + 1);
              process.stderr.write(
                `${name}[${record.partition}]@${record.offset}: ${error.code}: ${error.message}` +
                  ' (the pipeline dead-letters such records to dlq)\n',
              );
              return;
            }
          }
        } else {
          value = deadLetterToJson(readDeadLetter(record.key, record.value, record.headers), json);
        }
        const line = opts.meta
          ? {
              topic: record.topic,
              partition: record.partition,
              offset: record.offset,
              timestamp: time(Number(record.timestamp)),
              key: record.key?.toString('utf8') ?? null,
              value,
            }
          : value;
        process.stdout.write(`${JSON.stringify(line)}\n`);
        printed += 1;
      };

      finishIfDone();
      if (!opts.follow && caughtUp() && !opts.fromBeginning) {
        process.stderr.write(
          `nothing to print: reading ${name} from its end. Use --from-beginning for the records it holds, ` +
            'or --follow to wait for new ones.\n',
        );
      }
      const groupId = `${ctx.config.kafka.clientId}-consume-${randomUUID()}`;
      const consumer = await ctx.kafka().consumer({
        groupId,
        topics: [name],
        fromBeginning: opts.fromBeginning === true,
      });
      ctx.onClose(async () => {
        await consumer.close();
        // The throw-away group leaves nothing behind on the cluster.
        await admin.deleteGroups([groupId]).catch(() => undefined);
      });
      await consumer.run(
        (records) => {
          for (const record of records) {
            if (opts.max !== undefined && printed >= opts.max) break;
            print(record);
          }
          finishIfDone();
        },
        {
          onPosition: (event) => {
            position.set(event.partition, BigInt(event.nextOffset));
            finishIfDone();
          },
        },
      );
      await done.promise;
      ctx.signal.removeEventListener('abort', onAbort);
      if (undecodable.size > 0) {
        // The most frequent code names the error; the message counts each.
        const counts = [...undecodable].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
        const total = counts.reduce((n, [, c]) => n + c, 0);
        throw new TradewatchError(
          counts[0]![0] as ErrorCode,
          `${total} record(s) of ${name} could not be decoded (listed above: ` +
            `${counts.map(([code, c]) => `${c} ${code}`).join(', ')}); ${printed} printed`,
        );
      }
    });
}
