/**
 * `tradewatch rules ...`: the alert rules files, without Kafka or QuestDB.
 * - `rules check <files...>`: loads each file as `tradewatch run` would; one line per valid file on
 *   standard output, every problem of the invalid ones on standard error; exit 2 when one is invalid.
 * - `rules test <files...>`: runs rule unit tests (processors/rules/README.md, "Rule tests"); what
 *   differed on standard output; exit 1 when a test failed, 2 when a test or rules file is invalid.
 * - `rules schema`: prints the JSON Schema of rules files (processors/rules/rules.schema.json).
 */
import type { Command } from 'commander';
import { TradewatchError, toError } from '../../core/errors.ts';
import { loadRules, rulesJsonSchema } from '../../processors/rules/index.ts';
import { runRuleTestFile, type FileOutcome } from '../../runtime/rule-test-run.ts';

/** Exit codes, as cli/main.ts: 1 a failed operation (a failed test), 2 invalid input. */
const FAILED = 1;
const INVALID = 2;

export function registerRulesCommands(program: Command): void {
  const rules = program
    .command('rules')
    .description('alert rules files: check them, run their unit tests, print their JSON Schema');

  rules
    .command('check')
    .description('validate rules files as `run` would (exit 2 listing every problem)')
    .argument('<files...>', 'rules files (YAML)')
    .action(async (files: string[]) => {
      let invalid = false;
      for (const file of files) {
        try {
          const loaded = await loadRules(file);
          const expressions = loaded.rules.filter((r) => r.kind === 'expr').length;
          const count = loaded.rules.length === 1 ? '1 rule' : `${loaded.rules.length} rules`;
          const overRecords = [...loaded.byTopic.values()].reduce((n, list) => n + list.length, 0);
          const records =
            overRecords === 0
              ? ''
              : `; ${overRecords} over records of ${[...loaded.byTopic.keys()].join(', ')}`;
          process.stdout.write(
            `${loaded.file}: OK, ${count} (${loaded.rules.length - expressions} threshold, ${expressions} expr${records})\n`,
          );
        } catch (e: unknown) {
          invalid = true;
          reportError(e);
        }
      }
      if (invalid) process.exitCode = INVALID;
    });

  rules
    .command('test')
    .description(
      'run rule unit tests: input series in, expected alerts and times out (exit 1 on a failed test, 2 on an invalid file)',
    )
    .argument('<files...>', 'rule test files (YAML)')
    .action(async (files: string[]) => {
      let exitCode = 0;
      for (const file of files) {
        let outcome: FileOutcome;
        try {
          outcome = await runRuleTestFile(file);
        } catch (e: unknown) {
          reportError(e);
          exitCode = INVALID;
          continue;
        }
        const failed = outcome.outcomes.filter((o) => !o.passed).length;
        for (const o of outcome.outcomes) {
          if (o.passed && o.lines.length === 0) continue;
          const title =
            o.test.name === `tests[${o.test.index}]`
              ? o.test.name
              : `"${o.test.name}" (tests[${o.test.index}])`;
          process.stdout.write(`${o.passed ? 'ok  ' : 'FAIL'} ${outcome.file}: ${title}\n`);
          for (const line of o.lines) process.stdout.write(`  ${line}\n`);
        }
        const total = outcome.outcomes.length;
        process.stdout.write(
          `${outcome.file}: ${total === 1 ? '1 test' : `${total} tests`}, ${total - failed} passed, ${failed} failed\n`,
        );
        if (failed > 0 && exitCode === 0) exitCode = FAILED;
      }
      if (exitCode === FAILED) {
        process.stderr.write(
          'tradewatch: TW_RULE_TEST_FAILED: rule tests failed (listed above): fix the rules or the expectations.\n',
        );
      }
      if (exitCode !== 0) process.exitCode = exitCode;
    });

  rules
    .command('schema')
    .description('print the JSON Schema (draft 2020-12) of rules files')
    .action(() => {
      process.stdout.write(`${JSON.stringify(rulesJsonSchema(), null, 2)}\n`);
    });
}

function reportError(thrown: unknown): void {
  const error = toError(thrown);
  if (!(error instanceof TradewatchError)) throw error;
  process.stderr.write(`tradewatch: ${error.code}: ${error.message}\n`);
}
