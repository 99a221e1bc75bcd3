import { describe, expect, it, inject, onTestFinished } from 'vitest';
import { DAY_MS } from '../../core/durations.ts';
import { silentLogger } from '../../core/logger.ts';
import {
  AssetRegistry,
  CONNECTORS_FILE,
  ConnectorStore,
  type CoinGeckoCoin,
} from '../../connectors/index.ts';
import { testSchema } from '../scheduler/helpers.ts';
import { T0 } from './helpers.ts';

const UNISWAP = '0x1f9840a85d5af5bf1d1762f925bdaddc4201f984';
const UNIVERSE = '0x9c6b5ff6ec5a1f8a4f7e5a2b3c8d9e0f1a2b3c4d';

async function registry(): Promise<AssetRegistry> {
  const store = new ConnectorStore({
    url: await testSchema(inject('services').databaseUrl),
    logger: silentLogger(),
  });
  onTestFinished(() => store.close());
  await store.start();
  return new AssetRegistry(store.pool);
}

/** CoinGecko `/coins/list?include_platform=true`: two coins with the ticker `uni`. */
const COINS: CoinGeckoCoin[] = [
  {
    id: 'uniswap',
    symbol: 'uni',
    name: 'Uniswap',
    platforms: { ethereum: UNISWAP.toUpperCase().replace('0X', '0x') },
  },
  {
    id: 'universe-token',
    symbol: 'uni',
    name: 'Universe',
    platforms: { 'binance-smart-chain': UNIVERSE, ethereum: '' },
  },
  { id: 'bitcoin', symbol: 'btc', name: 'Bitcoin', platforms: {} },
];

describe('asset identity', () => {
  it('keeps two tokens with the same ticker apart: identity is the chain and contract, never the symbol', async () => {
    const assets = await registry();
    expect(await assets.importCoinGecko(COINS, T0, 'coingecko coins/list')).toBe(5);
    expect(await assets.byContract('ethereum', UNISWAP, T0)).toEqual(['uniswap']);
    expect(await assets.byContract('binance-smart-chain', UNIVERSE, T0)).toEqual(['universe-token']);
    expect(await assets.byContract('ethereum', UNIVERSE, T0)).toEqual([]);
    expect(await assets.resolve('coingecko', 'universe-token', T0)).toBe('universe-token');
    // The same list again changes nothing.
    expect(await assets.importCoinGecko(COINS, T0 + DAY_MS, 'coingecko coins/list')).toBe(0);
    expect(await assets.check(T0 + DAY_MS)).toEqual([]);
  });

  it('keeps what an id meant over time, with provenance', async () => {
    const assets = await registry();
    const base = {
      provider: 'tokenterminal',
      providerId: 'sushiswap',
      chain: null,
      contract: null,
      symbol: null,
    };
    await assets.map({ ...base, assetId: 'sushi', validFrom: T0, provenance: 'connectors.yaml:3:9' });
    await assets.map({
      ...base,
      assetId: 'sushi-v3',
      validFrom: T0 + 10 * DAY_MS,
      provenance: 'connectors.yaml:3:9',
    });
    expect(await assets.resolve('tokenterminal', 'sushiswap', T0 + DAY_MS)).toBe('sushi');
    expect(await assets.resolve('tokenterminal', 'sushiswap', T0 + 11 * DAY_MS)).toBe('sushi-v3');
    expect((await assets.all()).map((m) => [m.assetId, m.validTo])).toEqual([
      ['sushi', T0 + 10 * DAY_MS],
      ['sushi-v3', null],
    ]);
  });

  it('reports conflicting and unmapped ids from connectors.yaml against the CoinGecko list', async () => {
    const assets = await registry();
    await assets.importCoinGecko(COINS, T0, 'coingecko coins/list');
    const config = CONNECTORS_FILE.parse(
      `connectors:
  - name: coinmetrics
    type: coinmetrics
    base_url: http://127.0.0.1:1/v4
    cadence: 1d
    budget_per_hour: 10
    metrics: [SplyCur]
    assets:
      - { asset: uni-fork, id: uni, chain: ethereum, contract: "${UNISWAP}" }
      - { asset: lido, id: ldo }
      - { asset: bitcoin, id: btc }
`,
      'connectors.yaml',
    );
    await assets.syncConfig(config, T0);
    const problems = await assets.check(T0);
    expect(problems).toEqual([
      {
        kind: 'conflict',
        message: `ethereum:${UNISWAP} is claimed by uni-fork and uniswap (from coingecko coins/list; connectors.yaml:9:9): one contract is one asset; fix the wrong mapping`,
      },
      {
        kind: 'unmapped',
        message:
          "lido (used by coinmetrics) has no CoinGecko id nor chain + contract: add chain and contract to its connectors.yaml entry, or import CoinGecko's list",
      },
    ]);
  });
});
