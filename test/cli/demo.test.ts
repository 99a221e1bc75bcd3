/** The README's main command, `tradewatch demo`, against the test services. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { testKafka } from '../helpers/kafka.ts';
import { uniqueName } from '../helpers/unique.ts';
import { removePrefix } from '../../topics/index.ts';
import { PROCESSOR_NAMES } from '../../processors/index.ts';

describe('tradewatch demo', () => {
  it(
    'shows the alerts that fired and resolved and the rows in QuestDB, and can run again',
    { timeout: 240_000 },
    async () => {
      const prefix = `${uniqueName('t-demo')}.`;
      const demoPrefix = `${prefix}demo.`;
      const env = { TOPIC_PREFIX: prefix };
      try {
        for (const run of [1, 2]) {
          const result = await runCli(['demo'], { env, timeoutMs: 180_000 });
          expect(result.stderr, `run ${run}`).toBe('');
          expect(result.code).toBe(0);
          expect(result.stdout).toContain(`alerts on ${demoPrefix}alerts (7):`);
          expect(result.stdout).toMatch(/FIRING +portfolio_drawdown_1h +alpha-momentum/);
          expect(result.stdout).toMatch(/resolved +portfolio_drawdown_1h +alpha-momentum/);
          expect(result.stdout).toContain(
            'still firing at the end of the path: portfolio_drawdown_daily (gamma-paper)',
          );
          expect(result.stdout).not.toMatch(/(FIRING|resolved) +\S+ +beta-meanrev/); // no alert for the 4% dip
          expect(result.stdout).toContain('rows: portfolio_marks 360, drawdown 360, alerts 7');
          expect(result.stdout).toContain('stack down');
        }
      } finally {
        const admin = await testKafka().admin();
        await removePrefix(admin, demoPrefix, PROCESSOR_NAMES);
        await admin.close();
      }
    },
  );
});
