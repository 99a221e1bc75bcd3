export {
  AssetRegistry,
  contractKey,
  type AssetMapping,
  type AssetProblem,
  type CoinGeckoCoin,
} from './asset-registry.ts';
