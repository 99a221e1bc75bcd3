/**
 * `tradewatch run` refuses to start on a bad rules file (or several), a bad connectors file or a
 * connector the freshness file cannot watch, saying where and what, with exit code 2.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { physicalName } from '../../topics/index.ts';
import { runCli } from '../helpers/cli.ts';
import { testKafka } from '../helpers/kafka.ts';
import { E2E_NAMESPACE, pipelinePrefix } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/wait-for.ts';

const BROKEN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/rules/broken.yaml');
const DEFAULT_RULES = 'processors/rules/default-rules.yaml';

async function file(name: string, text: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tw-run-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const f = path.join(dir, name);
  await writeFile(f, text);
  return f;
}

describe('tradewatch run', () => {
  it('starts its processors at once; when one cannot start, stops those that did, names the cause, exits 1', async () => {
    const prefix = await pipelinePrefix('run-start');
    const admin = await testKafka().admin();
    onTestFinished(() => admin.close());
    const metrics = physicalName('metrics', prefix);
    await admin.deleteTopics([metrics]);
    await waitFor(`${metrics} deleted`, async () => !(await admin.listTopics()).includes(metrics));
    // drawdown and freshness start (their inputs exist); rules reads the missing `metrics`.
    const result = await runCli(['run', '--processors', 'drawdown,freshness,rules', '--no-heartbeat'], {
      env: {
        TOPIC_PREFIX: prefix,
        TW_NAMESPACE: E2E_NAMESPACE.name,
        TW_LOG_LEVEL: 'info',
        TW_LOG_FORMAT: 'json',
      },
    });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain(`TW_TOPIC_UNKNOWN: the input topic ${metrics} of rules does not exist`);
    expect(result.stderr).toContain('tradewatch topics apply');
    const logs = result.stdout + result.stderr;
    for (const processor of ['drawdown', 'freshness']) {
      expect(logs, processor).toContain(`"msg":"${processor} started"`);
      expect(logs, processor).toContain(`"msg":"${processor} stopped"`);
    }
    expect(logs).not.toContain('pipeline running');
    // Restores cut short by the stop are no warning.
    expect(logs).not.toContain('could not restore state');
  });

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

  it('takes several --rules files: every problem of every file, each with its file', async () => {
    const alsoBroken = await file(
      'mine.yaml',
      `version: 1
rules:
  - name: mine
    metric: m
    op: '>'
    threshold: 1
    severity: loud
    summary: x
`,
    );
    const result = await runCli(['run', '--rules', DEFAULT_RULES, '--rules', BROKEN, '--rules', alsoBroken]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('TW_RULES_INVALID');
    const problems = result.stderr.split('\n').filter((l) => l.startsWith('  - '));
    expect(problems.some((p) => /broken\.yaml:\d+:\d+: rule "Bad-Name"/.test(p))).toBe(true);
    expect(problems.some((p) => /mine\.yaml:7:15: rule "mine" \(rules\[0\]\): severity/.test(p))).toBe(true);
    expect(problems.some((p) => p.includes('default-rules.yaml'))).toBe(false);
  });

  it('refuses a rule name used in two --rules files, naming both', async () => {
    const dup = await file(
      'dup.yaml',
      `version: 1
rules:
  - name: source_stale
    metric: m
    op: '>'
    threshold: 1
    severity: warning
    summary: x
`,
    );
    const result = await runCli(['run', '--rules', DEFAULT_RULES, '--rules', dup]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /dup\.yaml: rule "source_stale": duplicate name: .*default-rules\.yaml has a rule of that name; rule names must be unique across the files/,
    );
  });

  it('--connectors: a bad connectors file, or a freshness file that does not watch ingest.runs', async () => {
    const bad = await file('connectors.yaml', 'connectors:\n  - name: Bad\n');
    const refused = await runCli(['run', '--connectors', bad]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/connectors\.yaml:2:5: connectors\[0\]/);
    const connectors = await file(
      'connectors.yaml',
      `connectors:
  - name: coinmetrics
    type: coinmetrics
    base_url: http://127.0.0.1:1/v4
    cadence: 1d
    budget_per_hour: 10
    metrics: [SplyCur]
    assets: [{ asset: bitcoin, id: btc }]
`,
    );
    const freshness = await file(
      'freshness.yaml',
      `sources:
  - topic: signals
    cadence: 1h
    slack: 30m
`,
    );
    const unwatched = await runCli([
      'run',
      '--processors',
      'freshness',
      '--connectors',
      connectors,
      '--freshness',
      freshness,
    ]);
    expect(unwatched.code).toBe(2);
    expect(unwatched.stderr).toMatch(
      /connectors\.yaml:2:5: connector coinmetrics: the freshness options of .*freshness\.yaml do not watch ingest\.runs/,
    );
  });

  it('names an unknown processor', async () => {
    const result = await runCli(['run', '--processors', 'drawdown,sentiment']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown processor(s) sentiment');
  });
});
