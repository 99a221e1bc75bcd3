export {
  accepted,
  permanent,
  retriable,
  NOTIFIER_KINDS,
  type Accepted,
  type DeliveryFailureReport,
  type DeliveryResult,
  type Notification,
  type Notifier,
  type NotifierKind,
  type Permanent,
  type Retriable,
} from './types.ts';
export { SlackNotifier, SLACK_PERMANENT_ERRORS, type SlackNotifierOptions } from './slack-notifier.ts';
export { slackMessage, type SlackMessage } from './slack-message.ts';
export { EmailNotifier, type EmailCredentials, type EmailNotifierOptions } from './email-notifier.ts';
export { emailContent, type EmailContent } from './email-content.ts';
export {
  PagerDutyNotifier,
  PAGERDUTY_EVENTS_URL,
  pagerDutyEvent,
  type PagerDutyEvent,
  type PagerDutyNotifierOptions,
} from './pagerduty-notifier.ts';
export {
  AlertmanagerNotifier,
  alertmanagerAlert,
  type AlertmanagerAlert,
  type AlertmanagerNotifierOptions,
} from './alertmanager-notifier.ts';
export { LogNotifier, type LogNotifierOptions } from './log-notifier.ts';
export { TokenBucket, type TokenBucketOptions } from './token-bucket.ts';
export { realSleep, type Sleep } from './sleep.ts';
export {
  DELIVERY_DEFAULTS,
  compileDeliveryPolicy,
  type CompiledDeliveryPolicy,
  type DeliveryPolicy,
} from './delivery-options.ts';
export { deliverWithRetries, type AttemptsOutcome } from './delivery-attempts.ts';
export {
  LOG_FALLBACK,
  loadNotifiersConfig,
  notifiersJsonSchema,
  parseNotifiersConfig,
  type EnvironmentMap,
  type NotifierSpec,
  type NotifiersConfig,
} from './config-file.ts';
export {
  createNotifier,
  createNotifiers,
  type CreateNotifiersOptions,
  type Notifiers,
} from './create-notifiers.ts';
