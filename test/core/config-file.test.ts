import { describe, expect, it } from 'vitest';
import { loadYamlConfig } from '../../core/config-file/index.ts';
import { ConfigError } from '../../core/errors.ts';

describe('configuration files', () => {
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
