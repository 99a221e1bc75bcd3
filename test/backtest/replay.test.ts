/**
 * The monitoring replay: a backtest whose equity falls 12% in a day raises, on the virtual runner, exactly
 * the alerts the live pipeline (`tradewatch run --processors drawdown,rules` on the real Kafka) raises
 * for the same marks.
 */
import { describe, expect, it } from 'vitest';
import { runBacktest, type BacktestInputs } from '../../backtest/engine/index.ts';
import { backtestAlert, equityMarks, monitoringReplay } from '../../backtest/replay.ts';
import { DEFAULT_RULES_FILE } from '../../processors/rules/index.ts';
import { SchemaRegistry } from '../../schemas/index.ts';
import { physicalName } from '../../topics/index.ts';
import { testKafka } from '../helpers/kafka.ts';
import { pipelinePrefix, startPipeline } from '../helpers/pipeline.ts';
import { readTopic } from '../helpers/topics.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { H, T0, config, cycle, outcomes } from './engine-fixtures.ts';

const registry = await SchemaRegistry.load();

describe('the monitoring replay', () => {
  // One asset held all along; flat for 3 hours, then −4%, −4%, −4.5% (−12% in all), then flat.
  const returns = [0, 0, 0, -0.04, -0.04, -0.045, 0, 0.01];
  const inputs: BacktestInputs = {
    cycles: returns.map((_, i) => cycle(T0 + i * H, { AAA: 1 })),
    outcomes: returns.flatMap((r, i) => outcomes(T0 + i * H, { AAA: r })),
    signals: [],
  };
  const c = config(
    [
      'factors: [{ name: model_score, weight: 1 }]',
      'selection: { k: 1 }',
      'initial_equity: 1000',
      `monitoring: { rules: ${DEFAULT_RULES_FILE} }`,
    ].join('\n'),
  );
  const { periods } = runBacktest(inputs, c);

  it('raises what the live pipeline raises for the same marks', async () => {
    expect(periods.at(-2)!.drawdown).toBeCloseTo(1 - 0.96 * 0.96 * 0.955, 12);
    const replayed = await monitoringReplay(c, periods);
    const daily = replayed.filter((a) => a.rule === 'portfolio_drawdown_daily');
    expect(daily.map((a) => a.status)).toEqual(['firing']);
    expect(daily[0]!.labels).toMatchObject({ portfolio: 'backtest:test' });
    expect(daily[0]!.ts).toBe(T0 + 6 * H);

    const prefix = await pipelinePrefix('bt-replay');
    const producer = await testKafka().producer();
    try {
      await producer.send(
        equityMarks(c, periods).map((m) => ({
          topic: physicalName('portfolio.marks', prefix),
          key: m.portfolio,
          value: registry.codec('PortfolioMark').encode(m),
          timestamp: m.ts,
        })),
      );
    } finally {
      await producer.close();
    }
    await startPipeline(prefix, ['--processors', 'drawdown,rules', '--rules', DEFAULT_RULES_FILE]);
    const live = await waitFor(
      'the live alerts',
      async () => {
        const alerts = await readTopic(physicalName('alerts', prefix), 'Alert');
        return alerts.length >= replayed.length ? alerts : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(live.map(backtestAlert)).toEqual(replayed);
  });
});
