import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runRuleTestFile } from '../../runtime/rule-test-run.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('connector alert rules', () => {
  it('the shipped connector rules pass their unit tests (drift names connector, endpoint and fields)', async () => {
    const outcome = await runRuleTestFile(path.join(ROOT, 'connectors/connector-rules.test.yaml'));
    expect(outcome.outcomes).toHaveLength(2);
    for (const o of outcome.outcomes)
      expect({ test: o.test.name, lines: o.lines }).toEqual({ test: o.test.name, lines: [] });
  });
});
