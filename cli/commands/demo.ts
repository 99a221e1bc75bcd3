/**
 * The demo: what a new user runs first. It starts the local stack, applies the topics under the demo's
 * own prefix (reset on every run, so it can be run again and again), runs the pipeline in this process,
 * feeds a scripted equity path — a climb, a crash and a recovery — for three portfolios, and shows the
 * alerts that fired and resolved and the rows now in QuestDB; then a backtest over two days of a paper
 * strategy's history (written by the history processor), with its report; and a connector run against
 * local stand-ins of the GitHub and CoinMetrics APIs, whose signals arrive in QuestDB (skipped, with a
 * notice, when PostgreSQL does not answer). The stack is left running.
 */
import path from 'node:path';
import type { Command } from 'commander';
import type { InferenceCycle, Outcome, PortfolioMark, Signal } from '../../schemas/index.ts';
import { TradewatchError } from '../../core/errors.ts';
import { readToEnd } from '../../runtime/kafka/index.ts';
import { PROCESSOR_NAMES } from '../../processors/index.ts';
import { applyTopics, findTopic, physicalName, removePrefix } from '../../topics/index.ts';
import { formatStatus } from '../../stack/index.ts';
import type { CliContext } from '../context.ts';
import { startPipeline } from '../pipeline.ts';
import { table } from '../table.ts';
import { namespace } from '../../core/namespace.ts';
import { formatInUnit } from '../../core/units.ts';
import { localStack } from './stack.ts';
import { runDemoConnectors } from './demo-connectors.ts';
import { parseEndpoint } from '../../sinks/questdb/endpoint.ts';
import { reportRenderer, runBacktestHere } from '../../backtest/run.ts';
import {
  DEMO_ARTIFACTS,
  DEMO_STRATEGY,
  demoBacktestConfig,
  demoHistory,
  demoHistoryRows,
  metricsLine,
  type HistoryMessage,
} from './demo-history.ts';

/** The demo's day: 2026-01-05, from 13:00 UTC. */
export const DEMO_START = Date.UTC(2026, 0, 5, 13, 0, 0);

const PORTFOLIOS = [
  // A 12% crash over 15 minutes: the trailing-hour and the daily rules fire; the recovery resolves both.
  { portfolio: 'alpha-momentum', env: 'prod', crash: 0.12, recovery: 0.11 },
  // A 4% dip: under every threshold, no alert.
  { portfolio: 'beta-meanrev', env: 'prod', crash: 0.04, recovery: 0.04 },
  // A 20% crash, half recovered: the hour rule resolves once the crash leaves the window; the daily stays firing.
  { portfolio: 'gamma-paper', env: 'paper', crash: 0.2, recovery: 0.1 },
] as const;

/** One mark a minute for two hours per portfolio: 30 minutes up, 15 down, then the recovery. */
export function demoMarks(start = DEMO_START): PortfolioMark[] {
  const marks: PortfolioMark[] = [];
  for (let minute = 0; minute < 120; minute++) {
    for (const [i, p] of PORTFOLIOS.entries()) {
      const base = [1_000_000, 250_000, 100_000][i] ?? 100_000;
      const peak = base * 1.001 ** 30;
      const trough = peak * (1 - p.crash);
      const equity =
        minute <= 30
          ? base * 1.001 ** minute
          : minute <= 45
            ? peak - ((peak - trough) * (minute - 30)) / 15
            : Math.min(trough + (peak * p.recovery * (minute - 45)) / 30, trough + peak * p.recovery);
      marks.push({
        portfolio: p.portfolio,
        env: p.env,
        ts: start + minute * 60_000,
        equity: Math.round(equity * 100) / 100,
        cash: minute % 15 === 0 ? Math.round(equity * 0.05 * 100) / 100 : null,
      });
    }
  }
  return marks;
}

export function registerDemoCommand(program: Command, context: (c: Command) => CliContext): void {
  program
    .command('demo')
    .description(
      'start the stack, run the pipeline, feed a scripted crash and recovery for three portfolios, ' +
        'show the alerts and the QuestDB rows, backtest a paper strategy’s history, and run the connectors ' +
        'against local stand-ins of the GitHub and CoinMetrics APIs',
    )
    .action(async (_opts: unknown, command: Command) => {
      const ctx = context(command);
      const say = (line = '') => process.stdout.write(`${line}\n`);
      const prefix = `${ctx.config.kafka.topicPrefix}demo.`;
      // The demo tells its own story; the pipeline's info lines would drown it (TW_LOG_LEVEL brings them back).
      if (!ctx.config.log.levelGiven) ctx.logger.level = 'warn';

      if (ctx.config.kafka.brokersGiven) {
        say(
          `1/7 using the Kafka at ${ctx.config.kafka.brokers.join(',')} (KAFKA_BROKERS) and QuestDB at ${ctx.config.questdb.httpUrl}`,
        );
      } else {
        say('1/7 starting the local stack (the first run downloads Kafka and QuestDB from Maven Central)…');
        say(formatStatus(await localStack(ctx).up()));
      }

      say(`\n2/7 creating the topics under the prefix "${prefix}" (reset on every demo run)…`);
      const kafka = ctx.kafka();
      const admin = await kafka.admin();
      ctx.onClose(() => admin.close());
      const old = await removePrefix(admin, prefix, PROCESSOR_NAMES);
      await waitUntil('the old demo topics to be gone', 30_000, async () => {
        const now = new Set(await admin.listTopics());
        return old.every((t) => !now.has(t));
      });
      const applied = await applyTopics(admin, { prefix });
      say(`created ${applied.created.length} topics: ${applied.created.join(', ')}`);

      say(
        '\n3/7 starting the pipeline: drawdown (portfolio.marks → metrics), rules (metrics → alerts) and ' +
          'history (cycles, outcomes, signals → the history tables a backtest reads)…',
      );
      // The demo's story is drawdown alerts and a backtest: these processors (`tradewatch run` starts them all).
      // Its own namespace too: the demo never writes (or the scheduler reads) a user's QuestDB tables.
      const own = ctx.config.namespace.name;
      const ns = namespace(own === '' ? 'demo' : `${own}_demo`);
      const running = await startPipeline(ctx, {
        processors: ['drawdown', 'rules', 'history'],
        topicPrefix: prefix,
        namespace: ns,
      });

      const marks = demoMarks();
      const topic = findTopic('portfolio.marks');
      const marksTopic = physicalName(topic.name, prefix);
      say(
        `\n4/7 producing ${marks.length} marks (one a minute for two hours, 3 portfolios) to ${marksTopic}…`,
      );
      const registry = await ctx.registry();
      const codec = registry.codec('PortfolioMark');
      const producer = await kafka.producer();
      ctx.onClose(() => producer.close());
      await producer.send(
        marks.map((m) => ({ topic: marksTopic, key: m.portfolio, value: codec.encode(m) })),
      );
      // The paper strategy's history, each record with the Kafka timestamp it became known at.
      const history = demoHistory(DEMO_START);
      const codecs = {
        'inference.cycles': registry.codec('InferenceCycle'),
        outcomes: registry.codec('Outcome'),
        signals: registry.codec('Signal'),
      };
      const encodeHistory = (m: HistoryMessage): Buffer =>
        m.topic === 'inference.cycles'
          ? codecs[m.topic].encode(m.value as InferenceCycle)
          : m.topic === 'outcomes'
            ? codecs[m.topic].encode(m.value as Outcome)
            : codecs[m.topic].encode(m.value as Signal);
      say(
        `   and ${history.length} history records (hourly cycles and outcomes of "${DEMO_STRATEGY}" over ` +
          'the two days before, a daily GitHub signal) to inference.cycles, outcomes and signals…',
      );
      await producer.send(
        history.map((m) => ({
          topic: physicalName(m.topic, prefix),
          key: m.key,
          timestamp: m.timestamp,
          value: encodeHistory(m),
        })),
      );
      const [drawdown, rules, historyProcessor] = running;
      const expectedMetrics = marks.length * 4;
      await waitUntil('the pipeline to process every mark and metric point', 180_000, () => {
        const failed = running.find((r) => r.runner.stats().deadLettered > 0);
        if (failed)
          throw new TradewatchError('TW_INTERNAL', 'the demo marks were dead-lettered: see the log');
        return (
          (drawdown?.runner.stats().records ?? 0) >= marks.length &&
          (rules?.runner.stats().records ?? 0) >= expectedMetrics &&
          (historyProcessor?.runner.stats().records ?? 0) >= history.length
        );
      });

      say('\n5/7 what happened');
      const alertCodec = registry.codec('Alert');
      const alerts: ReturnType<typeof alertCodec.decode>[] = [];
      await readToEnd(kafka, admin, {
        topic: physicalName('alerts', prefix),
        onRecords: (records) => {
          for (const r of records) if (r.value) alerts.push(alertCodec.decode(r.value));
        },
      });
      alerts.sort((a, b) => a.ts - b.ts);
      say(`\nalerts on ${physicalName('alerts', prefix)} (${alerts.length}):`);
      say(
        table(
          alerts.map((a) => ({
            time: new Date(a.ts).toISOString().slice(11, 16),
            status: a.status === 'firing' ? 'FIRING' : 'resolved',
            rule: a.rule,
            portfolio: a.labels['portfolio'] ?? '',
            env: a.env,
            value: formatInUnit(a.value, a.unit),
            summary: a.summary,
          })),
        ),
      );
      const open = alerts.filter(
        (a) =>
          a.status === 'firing' &&
          !alerts.some((b) => b.fingerprint === a.fingerprint && b.status === 'resolved' && b.ts > a.ts),
      );
      say(
        `still firing at the end of the path: ${open.map((a) => `${a.rule} (${a.labels['portfolio']})`).join(', ') || 'none'}`,
      );

      const sink = running[0]!.sink;
      const names = PORTFOLIOS.map((p) => `'${p.portfolio}'`).join(',');
      await sink.waitForRows('drawdown', `portfolio IN (${names})`, marks.length, 60_000);
      const worst = await sink.query(
        `SELECT portfolio, env, count() marks, max(max_drawdown_1h) worst_1h, max(max_drawdown_daily) worst_day ` +
          `FROM ${ns.table('drawdown')} WHERE portfolio IN (${names}) GROUP BY portfolio, env ORDER BY portfolio`,
      );
      say(`\nrows in QuestDB (${ctx.config.questdb.httpUrl}), table ${ns.table('drawdown')}:`);
      say(
        table(
          worst.rows.map((r) => ({
            portfolio: r['portfolio'],
            env: r['env'],
            marks: r['marks'],
            'worst 1h drawdown': `${(Number(r['worst_1h']) * 100).toFixed(2)}%`,
            'worst daily drawdown': `${(Number(r['worst_day']) * 100).toFixed(2)}%`,
          })),
        ),
      );
      const count = async (fromWhere: string) =>
        Number((await sink.query(`SELECT count() n FROM ${fromWhere}`)).rows[0]?.['n'] ?? 0);
      const fingerprints = [...new Set(alerts.map((a) => `'${a.fingerprint}'`))].join(',') || "''";
      say(
        `rows: ${ns.table('portfolio_marks')} ${await count(`${ns.table('portfolio_marks')} WHERE portfolio IN (${names})`)}, ` +
          `${ns.table('drawdown')} ${await count(`${ns.table('drawdown')} WHERE portfolio IN (${names})`)}, ` +
          `${ns.table('alerts')} ${await count(`${ns.table('alerts')} WHERE fingerprint IN (${fingerprints})`)} ` +
          '(run the demo again: it rewrites the same rows, no duplicates)',
      );

      say(`\n6/7 a backtest of "${DEMO_STRATEGY}" over its history in ${ns.table('history_cycles')}…`);
      for (const [name, rows] of Object.entries(demoHistoryRows(history)))
        await historyProcessor!.sink.waitForRows(name, undefined, rows, 60_000);
      const config = demoBacktestConfig(DEMO_START);
      const { result, artifact } = await runBacktestHere(config, {
        // Known a day after the demo's day: the same rows, so the same artifact version, on every run.
        history: {
          endpoint: parseEndpoint(ctx.config.questdb.httpUrl),
          namespace: ns,
          knownAt: DEMO_START + 86_400_000,
        },
        artifactsDir: path.resolve(DEMO_ARTIFACTS),
        threads: 1,
        report: reportRenderer(),
        questdb: { httpUrl: ctx.config.questdb.httpUrl, logger: ctx.logger, namespace: ns },
      });
      say(`backtest ${config.id} version ${result.manifest.version}: ${metricsLine(result.metrics)}`);
      say(`report: ${path.join(artifact, 'report.html')}`);
      say(`results in QuestDB: ${ns.table('backtest_runs')}, ${ns.table('backtest_periods')}`);

      say(
        '\n7/7 a connector run (as `tradewatch connectors run --once`) against local stand-ins of the GitHub ' +
          'and CoinMetrics APIs…',
      );
      const connectors = await runDemoConnectors({
        databaseUrl: ctx.config.postgres.url,
        namespace: ns,
        producer,
        registry,
        topicPrefix: prefix,
        logger: ctx.logger,
        now: DEMO_START,
        sink: historyProcessor!.sink,
        say,
      });

      say(
        '\nThe stack keeps running for exploration:\n' +
          `  TOPIC_PREFIX=${prefix} npm run -s tradewatch -- consume alerts --from-beginning\n` +
          `  QuestDB console: ${ctx.config.questdb.httpUrl} (try: SELECT * FROM ${ns.table('drawdown')} WHERE portfolio = 'alpha-momentum')\n` +
          `  npm run -s tradewatch -- backtest list --artifacts ${DEMO_ARTIFACTS}\n` +
          (connectors.kind === 'ran'
            ? `  the connectors' signals: SELECT * FROM ${ns.table('history_signals')} WHERE source IN ('github', 'coinmetrics')\n`
            : '') +
          `  npm run -s tradewatch -- dashboards render --dashboard backtests --var ns=${ns.tablePrefix} --out backtests.html\n` +
          `  TOPIC_PREFIX=${prefix} npm run tradewatch -- run    (the pipeline, until Ctrl-C)\n` +
          '  stop the stack with: npm run tradewatch -- stack down',
      );
    });
}

/** Polls `check` every 200 ms until it is true, or fails after `timeoutMs` naming `what`. */
async function waitUntil(
  what: string,
  timeoutMs: number,
  check: () => boolean | Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new TradewatchError('TW_TIMEOUT', `timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
