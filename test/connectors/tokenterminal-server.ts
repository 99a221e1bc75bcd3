/**
 * The Token Terminal API v2 stand-in of connectors/demo-server for one test: `projects/{id}/metrics`
 * with the bearer key, 308 for a renamed project; `override` answers a request instead (rate limits,
 * 5xx, drift). Closed when the test ends.
 */
import {
  startTokenTerminalServer,
  type ProjectMetric,
  type TokenTerminalServerOptions,
} from '../../connectors/demo-server/index.ts';
import { closedAtEnd } from './helpers.ts';

export async function tokenTerminalServer(value: ProjectMetric, options: TokenTerminalServerOptions) {
  return closedAtEnd(await startTokenTerminalServer(value, options));
}
