/** The README is the front door: it must stay true to the code. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VARIABLES } from '../runtime/config.ts';
import { ERROR_CODES } from '../core/errors.ts';
import { TOPICS } from '../topics/index.ts';
import { RECORD_TYPES } from '../schemas/index.ts';
import { parseNotifiersConfig } from '../sinks/notifiers/index.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
const ciRun = await readFile(path.join(ROOT, '.ci/run'), 'utf8');

describe('README', () => {
  it.each(Object.keys(VARIABLES))('documents the variable %s', (name) => {
    expect(readme).toMatch(new RegExp(`\\| \`${name}\` +\\|`));
  });

  it.each(Object.keys(ERROR_CODES))('documents the error code %s', (code) => {
    expect(readme).toMatch(new RegExp(`\\| \`${code}\` +\\|`));
  });

  it.each(TOPICS.map((t) => t.name))('documents the topic %s', (topic) => {
    expect(readme).toMatch(new RegExp(`\\| \`${topic.replace('.', '\\.')}\` +\\|`));
  });

  it('shows a Slack-only notifiers file that loads as it is', () => {
    const block = /```yaml\n# notifiers\.yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const config = parseNotifiersConfig(block!, 'README.md', {
      SLACK_WEBHOOK_URL: 'https://hooks.example/x',
    });
    expect(config.notifiers.map((n) => n.name)).toEqual(['slack']);
  });

  it.each(RECORD_TYPES)('names the record type %s', (type) => {
    expect(readme).toContain(type);
  });

  it('gives the test command that CI runs', () => {
    expect(readme).toContain('npm ci && npm test');
    expect(ciRun).toContain('npm ci');
    expect(ciRun).toMatch(/^npm test( |$)/m);
  });
});
