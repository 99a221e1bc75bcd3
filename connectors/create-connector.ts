/** The connector of a configuration entry, by its type. */
import { createCoinMetricsConnector } from './coinmetrics/coinmetrics-connector.ts';
import type { ConnectorConfig } from './config/types.ts';
import { createGitHubConnector } from './github/github-connector.ts';
import { createTokenTerminalConnector } from './tokenterminal/tokenterminal-connector.ts';
import type { Connector } from './types.ts';

/** The connector of `config`, with its credential (null: none). */
export function createConnector(
  config: ConnectorConfig,
  credential: string | null,
): Connector & { readonly headers?: Readonly<Record<string, string>> } {
  switch (config.type) {
    case 'github':
      return createGitHubConnector(config, credential);
    case 'coinmetrics':
      return createCoinMetricsConnector(config, credential);
    case 'tokenterminal':
      return createTokenTerminalConnector(config, credential);
  }
}
