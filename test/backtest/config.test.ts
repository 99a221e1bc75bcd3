import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { backtestConfigJsonSchema, parseBacktestConfig } from '../../backtest/config.ts';
import { TradewatchError } from '../../core/errors.ts';

const VALID = `version: 2
id: momentum-blend-2025
strategy: momentum
env: prod
from: 2025-01-01T00:00:00Z
to: 2026-01-01T00:00:00Z
horizon: 1h
universe: all
factors:
  - { name: model_score, weight: 1.0 }
  - { name: signal:github.commit_velocity, weight: 0.3, max_age: 7d }
selection: { k: 10, weighting: equal }
costs: { fee_bps: 10, slippage_bps: 5 }
initial_equity: 1000000
metrics: { ks: [1, 5, 10], relevance: top_k }
monitoring: { rules: processors/rules/default-rules.yaml }
slice: { every: 30d }
`;

function problemsOf(text: string, file = 'bt.yaml'): string {
  try {
    parseBacktestConfig(text, file);
  } catch (e) {
    expect(e).toBeInstanceOf(TradewatchError);
    expect((e as TradewatchError).code).toBe('TW_BACKTEST_INVALID');
    return (e as Error).message;
  }
  throw new Error('expected the config to be refused');
}

describe('BacktestConfig version 2', () => {
  it('reads the issue’s example, YAML or JSON alike', () => {
    const c = parseBacktestConfig(VALID, 'bt.yaml');
    expect(c).toMatchObject({
      id: 'momentum-blend-2025',
      env: 'prod',
      from: Date.parse('2025-01-01T00:00:00Z'),
      to: Date.parse('2026-01-01T00:00:00Z'),
      horizonMs: 3_600_000,
      universe: null,
      k: 10,
      weighting: 'equal',
      feeBps: 10,
      slippageBps: 5,
      ks: [1, 5, 10],
      relevance: { mode: 'top_k' },
      rulesFile: 'processors/rules/default-rules.yaml',
      sliceMs: 30 * 86_400_000,
    });
    expect(c.factors[1]).toEqual({
      kind: 'signal',
      name: 'signal:github.commit_velocity',
      source: 'github',
      signal: 'commit_velocity',
      weight: 0.3,
      maxAgeMs: 7 * 86_400_000,
    });
    const json = JSON.stringify({
      version: 2,
      id: 'momentum-blend-2025',
      strategy: 'momentum',
      env: 'prod',
      from: '2025-01-01T00:00:00Z',
      to: '2026-01-01T00:00:00Z',
      horizon: '1h',
      universe: 'all',
      factors: [
        { name: 'model_score', weight: 1.0 },
        { name: 'signal:github.commit_velocity', weight: 0.3, max_age: '7d' },
      ],
      selection: { k: 10, weighting: 'equal' },
      costs: { fee_bps: 10, slippage_bps: 5 },
      initial_equity: 1000000,
      metrics: { ks: [1, 5, 10], relevance: 'top_k' },
      monitoring: { rules: 'processors/rules/default-rules.yaml' },
      slice: { every: '30d' },
    });
    expect(parseBacktestConfig(json, 'bt.json').digest).toBe(c.digest);
  });

  it('lists every problem at once, each with file:line:col', () => {
    const bad = VALID.replace('env: prod', 'env: live')
      .replace('horizon: 1h', 'horizon: soon')
      .replace('weight: 0.3', 'weight: heavy')
      .replace('k: 10', 'k: 0')
      .replace('to: 2026-01-01T00:00:00Z', 'to: 2024-01-01T00:00:00Z');
    const message = problemsOf(bad);
    expect(message).toMatch(/\(5 problems\)/);
    expect(message).toMatch(/bt\.yaml:4:\d+: .*expected prod, staging or paper, found "live"/);
    expect(message).toMatch(/bt\.yaml:7:\d+: .*horizon/);
    expect(message).toMatch(/bt\.yaml:11:\d+: .*weight/);
    expect(message).toMatch(/bt\.yaml:12:\d+: .*expected a whole number K ≥ 1, found 0/);
    expect(message).toMatch(/bt\.yaml:6:\d+: .*must be after from/);
  });

  it('refuses a version 1 request with how to convert it', () => {
    const v1 = 'id: q1\nstrategy: momentum\nfrom: 2025-01-01\nto: 2025-02-01\nuniverse: [BTC-USD]\n';
    const message = problemsOf(v1, 'req.yaml');
    expect(message).toContain('version 1 backtest request');
    expect(message).toContain('set `version: 2` and add env, horizon, factors');
  });

  it('publishes its JSON Schema (the committed file is not stale)', async () => {
    const committed = JSON.parse(
      await readFile(new URL('../../backtest/config.schema.json', import.meta.url), 'utf8'),
    ) as unknown;
    // If this fails: npx --no-install node --input-type=module -e "console.log(JSON.stringify((await
    // import('./backtest/config.ts')).backtestConfigJsonSchema()))" > backtest/config.schema.json; prettier.
    expect(committed).toEqual(backtestConfigJsonSchema());
  });
});
