/**
 * `tradewatch assets check`: records the provider ids connectors.yaml maps (and CoinGecko's coin list
 * when given) in the asset identity table (PostgreSQL, DATABASE_URL), then reports conflicts (one
 * contract claimed by two assets, an asset with two ids of one provider), unmapped assets (no CoinGecko
 * id nor chain + contract) and renamed provider ids. Exit 0 when clean, 1 with TW_ASSETS_INCONSISTENT.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { systemClock } from '../../core/clock.ts';
import { TradewatchError } from '../../core/errors.ts';
import {
  AssetRegistry,
  ConnectorStore,
  loadConnectorsConfig,
  type CoinGeckoCoin,
} from '../../connectors/index.ts';
import type { CliContext } from '../context.ts';

type Context = (c: Command) => CliContext;

async function readCoinList(file: string): Promise<CoinGeckoCoin[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (e: unknown) {
    throw new TradewatchError(
      'TW_INPUT_INVALID',
      `${file}: cannot read CoinGecko's coin list (${(e as Error).message}): save /coins/list?include_platform=true as JSON`,
    );
  }
  const bad = Array.isArray(parsed)
    ? parsed.findIndex(
        (c) =>
          typeof (c as { id?: unknown })?.id !== 'string' ||
          typeof (c as { symbol?: unknown }).symbol !== 'string',
      )
    : 0;
  if (!Array.isArray(parsed) || bad >= 0) {
    throw new TradewatchError(
      'TW_INPUT_INVALID',
      `${file}: expected CoinGecko's coin list, a JSON list of { id, symbol, name, platforms }${Array.isArray(parsed) ? `; item ${bad} is not one` : ''}`,
    );
  }
  return parsed as CoinGeckoCoin[];
}

export function registerAssetsCommands(program: Command, context: Context): void {
  const assets = program
    .command('assets')
    .description('the asset identity mapping across providers (connectors/README.md)');
  assets
    .command('check')
    .description(
      'record the mappings of connectors.yaml (and a CoinGecko list), report conflicts, unmapped and renamed ids',
    )
    .option('--config <file>', 'the connectors file', 'connectors.yaml')
    .option('--coingecko <file>', "CoinGecko's /coins/list?include_platform=true, saved as JSON")
    .option('--json', 'print the problems as JSON lines')
    .action(async (flags: { config: string; coingecko?: string; json?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      const config = await loadConnectorsConfig(flags.config);
      const coins = flags.coingecko === undefined ? undefined : await readCoinList(flags.coingecko);
      const store = new ConnectorStore({
        url: ctx.config.postgres.url,
        logger: ctx.logger,
        schema: ctx.config.namespace.postgresSchema,
      });
      ctx.onClose(() => store.close());
      await store.start();
      const registry = new AssetRegistry(store.pool);
      const now = systemClock.now();
      if (coins !== undefined)
        await registry.importCoinGecko(coins, now, `${flags.coingecko} (CoinGecko coin list)`);
      await registry.syncConfig(config, now);
      const problems = await registry.check(now);
      for (const p of problems) {
        process.stdout.write(
          flags.json === true ? `${JSON.stringify(p)}\n` : `${p.kind.toUpperCase().padEnd(9)} ${p.message}\n`,
        );
      }
      if (problems.length > 0) {
        throw new TradewatchError(
          'TW_ASSETS_INCONSISTENT',
          `${problems.length} problem(s) in the asset identity mapping (listed above)`,
          {
            details: { problems: problems.length },
          },
        );
      }
      process.stdout.write('asset identity: no conflict, nothing unmapped\n');
    });
}
