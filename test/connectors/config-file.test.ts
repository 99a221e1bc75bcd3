import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.ts';
import { parseFreshnessConfig } from '../../processors/freshness/index.ts';
import { runCli } from '../helpers/cli.ts';
import { loadConnectorsConfig, resolveCredential, selectConnectors } from '../../connectors/index.ts';

const EXAMPLE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../connectors/example-connectors.yaml',
);

describe('connectors.yaml', () => {
  it('the shipped example is valid, with defaults applied', async () => {
    const config = await loadConnectorsConfig(EXAMPLE);
    expect(config.connectors.map((c) => [c.name, c.type, c.cadenceMs, c.ratePerMinute])).toEqual([
      ['github', 'github', 86_400_000, undefined],
      ['coinmetrics', 'coinmetrics', 86_400_000, 100],
      ['tokenterminal', 'tokenterminal', 86_400_000, 60],
    ]);
    expect(config.connectors[0]!.assets[0]).toMatchObject({
      asset: 'uniswap',
      chain: 'ethereum',
      repos: ['Uniswap/v3-core', 'Uniswap/v4-core'],
    });
    expect(config.connectors[1]!.retry).toEqual({ attempts: 5, initialMs: 1000, maxMs: 60_000 });
  });

  it('reads a credential from the variable named, and names the variable (never a value) when unset', async () => {
    const config = await loadConnectorsConfig(EXAMPLE);
    const tt = config.connectors[2]!;
    expect(resolveCredential(tt, { TOKEN_TERMINAL_API_KEY: 'k-123' }, config.file)).toBe('k-123');
    let error: unknown;
    try {
      resolveCredential(tt, { GITHUB_TOKEN: 'ghp_x' }, config.file);
    } catch (e: unknown) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      expect.stringMatching(
        /example-connectors\.yaml:\d+:\d+: connector tokenterminal: environment variable TOKEN_TERMINAL_API_KEY is not set/,
      ),
    ]);
    expect((error as Error).message).not.toContain('ghp_x');
    expect(() => selectConnectors(config, ['github', 'twitter'])).toThrow(
      /connector twitter is not in .*known: github, coinmetrics, tokenterminal/,
    );
  });

  it('prints freshness overrides that the freshness file accepts, one per connector at its cadence', async () => {
    const result = await runCli(['connectors', 'freshness', '--config', EXAMPLE]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('  - { key: connector-github, cadence: 1d, slack: 6h }');
    const freshness = `sources:\n  - topic: ingest.runs\n    cadence: 1h\n    slack: 30m\n${result.stdout.replace(/^/gm, '    ')}`;
    const options = parseFreshnessConfig(freshness, 'freshness.yaml');
    expect(options.sources[0]!.overrides.map((o) => [o.key.source, o.settings.cadence])).toEqual([
      ['connector-github', 86_400_000],
      ['connector-coinmetrics', 86_400_000],
      ['connector-tokenterminal', 86_400_000],
    ]);
  });
});
