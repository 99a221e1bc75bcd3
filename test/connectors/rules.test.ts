import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES_FILE, loadRules } from '../../processors/rules/index.ts';
import { runRuleTestFile } from '../../runtime/rule-test-run.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('connector alert rules', () => {
  it('ship in the default rules, so `tradewatch run` raises them without --rules', async () => {
    const names = (await loadRules(DEFAULT_RULES_FILE)).rules.map((r) => r.name);
    expect(names.filter((n) => n.startsWith('connector_'))).toEqual([
      'connector_schema_drift',
      'connector_expectation_failed',
      'connector_payload_quarantined',
      'connector_volume_collapse',
    ]);
  });

  it('pass their unit tests (drift names connector, endpoint and fields)', async () => {
    const outcome = await runRuleTestFile(path.join(ROOT, 'processors/rules/tests/connectors.yaml'));
    expect(outcome.outcomes).toHaveLength(2);
    for (const o of outcome.outcomes)
      expect({ test: o.test.name, lines: o.lines }).toEqual({ test: o.test.name, lines: [] });
  });
});
