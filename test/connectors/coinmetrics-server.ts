/**
 * The CoinMetrics Community API v4 stand-in of connectors/demo-server (what the demo runs against) for
 * one test: `timeseries/asset-metrics` with its paging; `rows` gives each asset's rows; `override`
 * answers a request instead (rate limits, errors, drift). Closed when the test ends.
 */
import type { ServerResponse } from 'node:http';
import { startCoinMetricsServer, type Exchange, type Row } from '../../connectors/demo-server/index.ts';
import { closedAtEnd } from './helpers.ts';

export { dailyRows, type Row } from '../../connectors/demo-server/index.ts';

export async function coinMetricsServer(
  rows: (asset: string) => Row[],
  override?: (exchange: Exchange, res: ServerResponse, n: number) => boolean,
) {
  return closedAtEnd(await startCoinMetricsServer(rows, override));
}
