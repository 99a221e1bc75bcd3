/** `tradewatch run` refuses to start on a bad rules file, saying where and what, with exit code 2. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

const BROKEN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/rules/broken.yaml');

describe('tradewatch run', () => {
  it('validates the rules file in full before starting, naming the file, each rule and each problem', async () => {
    const result = await runCli(['run', '--rules', BROKEN]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('TW_RULES_INVALID');
    expect(result.stderr).toContain('broken.yaml');
    expect(result.stderr).toMatch(/portfolio_drawdown_1h.*clear/);
    expect(result.stderr).toMatch(/valu/);
    expect(result.stderr).toMatch(/Bad-Name/);
    expect(result.stderr).toMatch(/urgent/);
  });

  it('names an unknown processor', async () => {
    const result = await runCli(['run', '--processors', 'drawdown,sentiment']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown processor(s) sentiment');
  });
});
