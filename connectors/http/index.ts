export {
  ConnectorHttp,
  realSleep,
  type ConnectorHttpOptions,
  type HttpRequest,
  type HttpResult,
  type Sleep,
} from './connector-http.ts';
export { TokenBucket, blockedUntil } from './rate-limit.ts';
