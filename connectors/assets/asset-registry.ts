/**
 * Asset identity: one canonical asset id per asset, and a mapping (`tw_connector_asset_ids`) from each
 * provider's id to it, with validity dates and provenance. Terminology:
 * - a **provider id** is what a provider calls the asset: a CoinGecko coin id, a CoinMetrics asset, a
 *   Token Terminal project, a GitHub repository; provider `coingecko-platform` has the
 *   `<chain>:<contract>` ids of CoinGecko's platforms;
 * - the **on-chain key** of an asset is its chain and contract address (EVM addresses lower-cased):
 *   the one identity two providers can agree on;
 * - tickers are kept for people only and never looked up: two tokens share `UNI`-like tickers.
 * A provider id maps to one asset at a time; mapping it elsewhere closes the old row (valid_to), so
 * what an id meant at any past time stays answerable.
 */
import type { PostgresPool } from '../../core/postgres/index.ts';
import type { ConnectorsConfig } from '../config/types.ts';

export interface AssetMapping {
  readonly provider: string;
  readonly providerId: string;
  readonly assetId: string;
  readonly chain: string | null;
  readonly contract: string | null;
  /** For people only; never a key. */
  readonly symbol: string | null;
  /** Epoch ms. */
  readonly validFrom: number;
  readonly validTo: number | null;
  /** Where the mapping comes from (`connectors.yaml:12:9`, `coingecko coins/list 2026-03-02`). */
  readonly provenance: string;
}

/** One CoinGecko coin of `/coins/list?include_platform=true`. */
export interface CoinGeckoCoin {
  readonly id: string;
  readonly symbol: string;
  readonly name: string;
  readonly platforms?: Readonly<Record<string, string | null>>;
}

/** What `assets check` finds. */
export interface AssetProblem {
  readonly kind: 'conflict' | 'unmapped' | 'renamed';
  readonly message: string;
}

/** The canonical form of a contract address: EVM addresses lower-cased, others as written. */
export function contractKey(contract: string): string {
  return /^0x[0-9a-fA-F]{40}$/.test(contract) ? contract.toLowerCase() : contract;
}

interface Row {
  provider: string;
  provider_id: string;
  asset_id: string;
  chain: string | null;
  contract: string | null;
  symbol: string | null;
  valid_from: Date;
  valid_to: Date | null;
  provenance: string;
}

const toMapping = (r: Row): AssetMapping => ({
  provider: r.provider,
  providerId: r.provider_id,
  assetId: r.asset_id,
  chain: r.chain,
  contract: r.contract,
  symbol: r.symbol,
  validFrom: r.valid_from.getTime(),
  validTo: r.valid_to?.getTime() ?? null,
  provenance: r.provenance,
});

export class AssetRegistry {
  readonly #pool: PostgresPool;

  /** On the connector store's pool (its migrations create the table). */
  constructor(pool: PostgresPool) {
    this.#pool = pool;
  }

  /**
   * Records that `providerId` of `provider` is `assetId` from `validFrom` on. The same mapping again
   * changes nothing; another asset closes the current row at `validFrom`. Returns whether it changed.
   */
  async map(m: Omit<AssetMapping, 'validTo'>): Promise<boolean> {
    const contract = m.contract === null ? null : contractKey(m.contract);
    return this.#pool.transaction('map a provider id to an asset', async (client) => {
      const { rows } = await client.query<Row>(
        `SELECT * FROM tw_connector_asset_ids WHERE provider = $1 AND provider_id = $2 AND valid_to IS NULL FOR UPDATE`,
        [m.provider, m.providerId],
      );
      const current = rows[0];
      if (
        current !== undefined &&
        current.asset_id === m.assetId &&
        current.chain === m.chain &&
        current.contract === contract
      )
        return false;
      if (current !== undefined) {
        await client.query(
          'UPDATE tw_connector_asset_ids SET valid_to = $3 WHERE provider = $1 AND provider_id = $2 AND valid_to IS NULL',
          [m.provider, m.providerId, new Date(Math.max(m.validFrom, current.valid_from.getTime() + 1))],
        );
      }
      await client.query(
        `INSERT INTO tw_connector_asset_ids VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8)
         ON CONFLICT (provider, provider_id, valid_from) DO UPDATE
         SET asset_id = EXCLUDED.asset_id, chain = EXCLUDED.chain, contract = EXCLUDED.contract, valid_to = NULL`,
        [
          m.provider,
          m.providerId,
          m.assetId,
          m.chain,
          contract,
          m.symbol,
          new Date(m.validFrom),
          m.provenance,
        ],
      );
      return true;
    });
  }

  /** The asset `providerId` of `provider` meant at `at` (epoch ms), or undefined. */
  async resolve(provider: string, providerId: string, at: number): Promise<string | undefined> {
    const rows = await this.#pool.query<{ asset_id: string }>(
      'resolve a provider id',
      `SELECT asset_id FROM tw_connector_asset_ids
       WHERE provider = $1 AND provider_id = $2 AND valid_from <= $3 AND (valid_to IS NULL OR valid_to > $3)`,
      [provider, providerId, new Date(at)],
    );
    return rows[0]?.asset_id;
  }

  /** The assets holding the on-chain key `chain` + `contract` at `at` (one, unless in conflict). */
  async byContract(chain: string, contract: string, at: number): Promise<string[]> {
    const rows = await this.#pool.query<{ asset_id: string }>(
      'resolve an on-chain key',
      `SELECT DISTINCT asset_id FROM tw_connector_asset_ids
       WHERE chain = $1 AND contract = $2 AND valid_from <= $3 AND (valid_to IS NULL OR valid_to > $3)
       ORDER BY asset_id`,
      [chain, contractKey(contract), new Date(at)],
    );
    return rows.map((r) => r.asset_id);
  }

  /** Every mapping, current and past. */
  async all(): Promise<AssetMapping[]> {
    const rows = await this.#pool.query<Row>(
      'list asset mappings',
      'SELECT * FROM tw_connector_asset_ids ORDER BY asset_id, provider, provider_id, valid_from',
    );
    return rows.map(toMapping);
  }

  /** Records the mappings connectors.yaml states (provenance: the asset's file:line:col). */
  async syncConfig(config: ConnectorsConfig, now: number): Promise<number> {
    let changed = 0;
    for (const c of config.connectors) {
      for (const a of c.assets) {
        const ids = c.type === 'github' ? a.repos : [a.id ?? ''];
        for (const id of ids) {
          if (
            await this.map({
              provider: c.type,
              providerId: id,
              assetId: a.asset,
              chain: a.chain,
              contract: a.contract,
              symbol: null,
              validFrom: now,
              provenance: a.at,
            })
          )
            changed += 1;
        }
      }
    }
    return changed;
  }

  /**
   * Records CoinGecko's coin list: each coin id is its canonical asset id (unless `assetOf` says
   * otherwise), and each platform address is an on-chain key of it. Returns the mappings changed.
   */
  async importCoinGecko(coins: readonly CoinGeckoCoin[], now: number, provenance: string): Promise<number> {
    let changed = 0;
    for (const coin of coins) {
      if (
        await this.map({
          provider: 'coingecko',
          providerId: coin.id,
          assetId: coin.id,
          chain: null,
          contract: null,
          symbol: coin.symbol,
          validFrom: now,
          provenance,
        })
      )
        changed += 1;
      for (const [chain, address] of Object.entries(coin.platforms ?? {})) {
        if (address === null || address === '') continue;
        const key = `${chain}:${contractKey(address)}`;
        if (
          await this.map({
            provider: 'coingecko-platform',
            providerId: key,
            assetId: coin.id,
            chain,
            contract: address,
            symbol: coin.symbol,
            validFrom: now,
            provenance,
          })
        )
          changed += 1;
      }
    }
    return changed;
  }

  /**
   * Conflicts (an on-chain key or a provider id claimed by two assets at once; an asset with two ids of
   * one provider other than GitHub), unmapped ids (an asset connectors use that no CoinGecko id nor
   * on-chain key identifies), and renamed provider ids (a 308/301 recorded by a connector).
   */
  async check(now: number): Promise<AssetProblem[]> {
    const at = new Date(now);
    const problems: AssetProblem[] = [];
    const current = `valid_from <= $1 AND (valid_to IS NULL OR valid_to > $1)`;
    const onchain = await this.#pool.query<{
      chain: string;
      contract: string;
      assets: string[];
      provenance: string[];
    }>(
      'find on-chain conflicts',
      `SELECT chain, contract, array_agg(DISTINCT asset_id ORDER BY asset_id) AS assets, array_agg(DISTINCT provenance) AS provenance
       FROM tw_connector_asset_ids WHERE chain IS NOT NULL AND ${current}
       GROUP BY chain, contract HAVING count(DISTINCT asset_id) > 1 ORDER BY chain, contract`,
      [at],
    );
    for (const r of onchain) {
      problems.push({
        kind: 'conflict',
        message: `${r.chain}:${r.contract} is claimed by ${r.assets.join(' and ')} (from ${r.provenance.sort().join('; ')}): one contract is one asset; fix the wrong mapping`,
      });
    }
    const twoIds = await this.#pool.query<{ asset_id: string; provider: string; ids: string[] }>(
      'find assets with two ids of one provider',
      `SELECT asset_id, provider, array_agg(provider_id ORDER BY provider_id) AS ids
       FROM tw_connector_asset_ids WHERE provider NOT IN ('github', 'coingecko-platform') AND ${current}
       GROUP BY asset_id, provider HAVING count(*) > 1 ORDER BY asset_id, provider`,
      [at],
    );
    for (const r of twoIds) {
      problems.push({
        kind: 'conflict',
        message: `${r.asset_id} has ${r.ids.length} ${r.provider} ids (${r.ids.join(', ')}): keep one`,
      });
    }
    const unmapped = await this.#pool.query<{ asset_id: string; providers: string[] }>(
      'find unmapped assets',
      `SELECT asset_id, array_agg(DISTINCT provider ORDER BY provider) AS providers
       FROM tw_connector_asset_ids a WHERE ${current}
       GROUP BY asset_id
       HAVING bool_and(provider NOT IN ('coingecko', 'coingecko-platform') AND chain IS NULL) ORDER BY asset_id`,
      [at],
    );
    for (const r of unmapped) {
      problems.push({
        kind: 'unmapped',
        message: `${r.asset_id} (used by ${r.providers.join(', ')}) has no CoinGecko id nor chain + contract: add chain and contract to its connectors.yaml entry, or import CoinGecko's list`,
      });
    }
    const renames = await this.#pool.query<{ connector: string; from_url: string; to_url: string }>(
      'list renamed provider ids',
      'SELECT connector, from_url, to_url FROM tw_connector_renames ORDER BY connector, from_url',
    );
    for (const r of renames) {
      problems.push({
        kind: 'renamed',
        message: `${r.connector}: ${r.from_url} moved to ${r.to_url}: update the id in connectors.yaml`,
      });
    }
    return problems;
  }
}
