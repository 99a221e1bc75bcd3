import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../../runtime/errors.ts';
import {
  field,
  loadYamlConfig,
  parseYamlConfig,
  unknownKeys,
  type YamlProblem,
} from '../../runtime/yaml-file.ts';

const TEXT = '# a comment\nname: x\nsize: big\ncolour: red\n';

function parse(text: string, missingAt?: 'file' | 'contents'): { name: string; size: number } {
  return parseYamlConfig(text, 'f.yaml', {
    validate: (root, problems: YamlProblem[]) => {
      const raw = root as Record<string, unknown>;
      unknownKeys(raw, ['name', 'size', 'id'], [], problems);
      const size = field(raw, 'size', [], z.number({ error: 'expected a number' }), problems);
      if (!Object.hasOwn(raw, 'id')) problems.push({ path: ['id'], message: '"id" is missing' });
      return problems.length === 0 ? { name: String(raw['name']), size: size ?? 0 } : undefined;
    },
    where: (path) => (path.length > 0 ? `${path.join('.')}: ` : ''),
    error: (problems) => new ConfigError(problems, 'test'),
    ...(missingAt === undefined ? {} : { missingAt }),
  });
}

/** The problems of the ConfigError `run` throws. */
function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (e: unknown) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('parseYamlConfig', () => {
  it('lists every problem at file:line:col, in file order', () => {
    // A missing top-level key points at the start of the file by default (line 1, the comment).
    expect(problemsOf(() => parse(TEXT))).toEqual([
      'f.yaml:1:1: id: "id" is missing',
      'f.yaml:3:7: size: expected a number',
      'f.yaml:4:1: colour: unknown key "colour"; known keys: name, size, id',
    ]);
  });

  it('points a missing top-level key at the document contents with missingAt: contents', () => {
    expect(problemsOf(() => parse(TEXT, 'contents'))[0]).toBe('f.yaml:2:1: id: "id" is missing');
  });

  it('reports YAML syntax alone', () => {
    const problems = problemsOf(() => parse('a: [1\n'));
    expect(problems.length).toBeGreaterThan(0);
    for (const p of problems) expect(p).toMatch(/^f\.yaml:\d+:\d+: YAML syntax error: /);
  });

  it('says which file cannot be read and where the default is', async () => {
    await expect(
      loadYamlConfig(
        '/nonexistent/x.yaml',
        () => 1,
        (shown, problems) => new ConfigError(problems, shown),
        '/nonexistent/default.yaml',
      ),
    ).rejects.toThrow(
      /\/nonexistent\/x\.yaml: cannot read it: .*ENOENT.*\. Check the path \(the default configuration is .*default\.yaml\)\./,
    );
  });
});
