export {
  DEFAULT_ROUTING_FILE,
  DIGEST_DEFAULTS,
  DIGEST_RECEIVER,
  ROUTING_DEFAULTS,
  checkReceivers,
  loadRouting,
  parseRouting,
  routeAlert,
  routingJsonSchema,
  routingReceivers,
  type CompiledInhibitRule,
  type CompiledRoute,
  type DigestConfig,
  type RouteTarget,
  type RoutingConfig,
} from './routing.ts';
export { adaptDefaultRouting, type AdaptedRouting } from './default-routing.ts';
export {
  compileMatcher,
  matchLabels,
  parseMatcher,
  showMatcher,
  storeMatcher,
  type StoredMatcher,
} from './matchers.ts';
export { DISPATCH_MIGRATIONS } from './migrations.ts';
export {
  DispatchStore,
  silencing,
  type AlertState,
  type DispatchStoreOptions,
  type NotificationRecord,
  type Silence,
} from './store.ts';
export {
  DIGEST_MAX_ALERTS,
  DIGEST_REASON,
  decideDigest,
  digestAlerts,
  duePeriod,
  zonedInstant,
} from './digest.ts';
export { isTimeZone } from '../../core/zoned-time.ts';
export { Dispatcher, type Decision, type DispatcherOptions } from './dispatcher.ts';
export { OutboxDelivery, type DeliveryRound, type OutboxDeliveryOptions } from './delivery.ts';
