/**
 * The demo: what a new user runs first. Until the processors exist it shows the foundation working end
 * to end: the local stack starts, the topics are applied, a scripted equity path for a few portfolios is
 * encoded as Avro and produced in one transaction, and read back and decoded. The stack is left running.
 */
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import type { PortfolioMark } from '../../schemas/index.ts';
import { applyTopics, findTopic, physicalName } from '../../topics/index.ts';
import type { CliContext } from '../context.ts';
import { TradewatchError } from '../../runtime/errors.ts';
import { table } from '../table.ts';
import { localStack } from './stack.ts';
import { formatStatus } from '../../stack/index.ts';

/** A scripted path: a steady climb, a crash, a recovery. One mark a minute from a fixed start. */
export function demoMarks(start: number): PortfolioMark[] {
  const portfolios = [
    { portfolio: 'alpha-momentum', env: 'prod', base: 1_000_000, crash: 0.12 },
    { portfolio: 'beta-meanrev', env: 'prod', base: 250_000, crash: 0.04 },
    { portfolio: 'gamma-paper', env: 'paper', base: 100_000, crash: 0.2 },
  ] as const;
  const marks: PortfolioMark[] = [];
  for (let minute = 0; minute < 90; minute++) {
    for (const p of portfolios) {
      // 0-29: +0.1%/min; 30-44: crash to (1 - crash) of the peak; 45-89: recovery.
      const peak = p.base * 1.001 ** 30;
      const equity =
        minute < 30
          ? p.base * 1.001 ** minute
          : minute < 45
            ? peak * (1 - (p.crash * (minute - 29)) / 15)
            : peak * (1 - p.crash) * (1 + (p.crash * 1.1 * (minute - 44)) / 45);
      marks.push({
        portfolio: p.portfolio,
        env: p.env,
        ts: start + minute * 60_000,
        equity: Math.round(equity * 100) / 100,
        cash: minute % 10 === 0 ? Math.round(equity * 0.05 * 100) / 100 : null,
      });
    }
  }
  return marks;
}

export function registerDemoCommand(program: Command, context: (c: Command) => CliContext): void {
  program
    .command('demo')
    .description('start the stack, apply topics, produce a scripted equity path and read it back')
    .action(async (_opts: unknown, command: Command) => {
      const ctx = context(command);
      const say = (line: string) => process.stdout.write(`${line}\n`);

      say('1/4 starting the local stack (first run downloads Kafka and QuestDB from Maven Central)…');
      const status = await localStack(ctx).up();
      say(formatStatus(status));

      say('\n2/4 applying the topic catalogue…');
      const admin = await ctx.kafka().admin();
      ctx.onClose(() => admin.close());
      const report = await applyTopics(admin, { prefix: ctx.config.kafka.topicPrefix });
      say(
        `created ${report.created.length}, already there ${report.unchanged.length}, drifted ${report.drift.length}`,
      );

      const registry = await ctx.registry();
      const codec = registry.codec('PortfolioMark');
      const topic = findTopic('portfolio.marks');
      const name = physicalName(topic.name, ctx.config.kafka.topicPrefix);
      const runStart = Date.UTC(2026, 0, 5, 14, 0, 0);
      const marks = demoMarks(runStart);
      // Tag this run's marks so we read back exactly them, whatever the topic already holds.
      const before = new Map((await admin.offsets(name)).map((p) => [p.partition, BigInt(p.high)]));
      say(`\n3/4 producing ${marks.length} marks for 3 portfolios to ${name} (one transaction)…`);
      const producer = await ctx
        .kafka()
        .producer({ transactionalId: `${ctx.config.kafka.clientId}-demo-${randomUUID()}` });
      ctx.onClose(() => producer.close());
      const written = await producer.sendAtomically(
        marks.map((m) => ({
          topic: name,
          key: topic.key.of(m as unknown as Record<string, unknown>),
          value: codec.encode(m),
        })),
      );

      await admin.waitUntilVisible(written);

      say('\n4/4 reading them back from Kafka and decoding them…');
      const after = new Map((await admin.offsets(name)).map((p) => [p.partition, BigInt(p.high)]));
      const got: PortfolioMark[] = [];
      const groupId = `${ctx.config.kafka.clientId}-demo-${randomUUID()}`;
      const consumer = await ctx.kafka().consumer({ groupId, topics: [name], fromBeginning: true });
      ctx.onClose(async () => {
        await consumer.close();
        await admin.deleteGroups([groupId]).catch(() => undefined);
      });
      const position = new Map<number, bigint>();
      const done = Promise.withResolvers<void>();
      const check = () => {
        if ([...after].every(([p, end]) => (position.get(p) ?? 0n) >= end)) done.resolve();
      };
      ctx.signal.addEventListener('abort', () => done.resolve(), { once: true });
      await consumer.run(
        (records) => {
          for (const r of records) {
            if (r.value && BigInt(r.offset) >= (before.get(r.partition) ?? 0n))
              got.push(codec.decode(r.value));
          }
        },
        {
          onPosition: (event) => {
            position.set(event.partition, BigInt(event.nextOffset));
            check();
          },
        },
      );
      check();
      await done.promise;

      const rows = ['alpha-momentum', 'beta-meanrev', 'gamma-paper'].map((portfolio) => {
        const own = got.filter((m) => m.portfolio === portfolio).sort((a, b) => a.ts - b.ts);
        const peak = Math.max(...own.map((m) => m.equity));
        const trough = Math.min(...own.filter((m) => m.ts >= runStart + 30 * 60_000).map((m) => m.equity));
        return {
          portfolio,
          env: own[0]?.env ?? '',
          marks: own.length,
          first: own[0]?.equity.toFixed(2) ?? '',
          peak: peak.toFixed(2),
          trough: trough.toFixed(2),
          last: own.at(-1)?.equity.toFixed(2) ?? '',
          'max drawdown': `${((1 - trough / peak) * 100).toFixed(1)}%`,
        };
      });
      say(table(rows));
      if (got.length !== marks.length) {
        throw new TradewatchError(
          'TW_INTERNAL',
          `read back ${got.length} of the ${marks.length} marks produced to ${name}`,
        );
      }
      say(`\nround trip ok: ${got.length}/${marks.length} marks read back and decoded.`);
      say(
        '\nThe stack keeps running for exploration:\n' +
          `  npm run tradewatch -- consume portfolio.marks --from-beginning --max 5\n` +
          `  QuestDB console: ${ctx.config.questdb.httpUrl}\n` +
          '  stop it with: npm run tradewatch -- stack down',
      );
    });
}
