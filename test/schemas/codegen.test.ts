import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  GENERATED_FILE,
  REGENERATE_COMMAND,
  generateTypes,
  symbolsConstName,
} from '../../schemas/codegen/generate.ts';
import { DEFAULT_SCHEMAS_DIR, ENVIRONMENTS, SEVERITIES } from '../../schemas/index.ts';
import type {
  Alert,
  Environment,
  InferenceCycle,
  PortfolioMark,
  RecordTypes,
  Severity,
} from '../../schemas/index.ts';

describe('generated types', () => {
  it('are up to date with the .avsc files', async () => {
    const onDisk = await readFile(join(DEFAULT_SCHEMAS_DIR, GENERATED_FILE), 'utf8');
    const fresh = await generateTypes(DEFAULT_SCHEMAS_DIR);
    expect(
      onDisk === fresh,
      `schemas/${GENERATED_FILE} is stale: run \`${REGENERATE_COMMAND}\` (npm run schemas:types) and commit the result`,
    ).toBe(true);
  });

  it('name symbol arrays in plural constants', () => {
    expect(
      ['Environment', 'Severity', 'AlertStatus', 'TradeSide', 'Liquidity', 'Box'].map(symbolsConstName),
    ).toEqual(['ENVIRONMENTS', 'SEVERITIES', 'ALERT_STATUSES', 'TRADE_SIDES', 'LIQUIDITIES', 'BOXES']);
    expect(ENVIRONMENTS).toEqual(['prod', 'staging', 'paper']);
    expect(SEVERITIES).toEqual(['critical', 'error', 'warning', 'info']);
  });

  // Checked by tsc (npm run typecheck): the generated types have the pinned shapes.
  it('have the pinned shapes', () => {
    expectTypeOf<Environment>().toEqualTypeOf<'prod' | 'staging' | 'paper'>();
    expectTypeOf<Severity>().toEqualTypeOf<'critical' | 'error' | 'warning' | 'info'>();
    expectTypeOf<PortfolioMark>().toEqualTypeOf<{
      portfolio: string;
      env: Environment;
      ts: number;
      equity: number;
      cash: number | null;
    }>();
    expectTypeOf<Alert['labels']>().toEqualTypeOf<Record<string, string>>();
    expectTypeOf<Alert['ends_at']>().toEqualTypeOf<number | null>();
    expectTypeOf<InferenceCycle['predictions']>().toEqualTypeOf<
      { asset: string; score: number; rank: number }[]
    >();
    expectTypeOf<InferenceCycle['metrics']>().toEqualTypeOf<Record<string, number>>();
    expectTypeOf<RecordTypes['InferenceCycle']>().toEqualTypeOf<InferenceCycle>();
    // @ts-expect-error an environment that does not exist is a compile error
    const bad: Environment = 'production';
    expect(bad).toBe('production');
  });
});
