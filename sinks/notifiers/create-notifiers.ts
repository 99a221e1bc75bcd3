/**
 * Builds the notifiers of a validated configuration, and the fallback each one reports its permanent
 * failures to (the configured fallback; the log for the fallback itself, so a failing fallback cannot
 * loop).
 */
import type { Clock } from '../../core/clock.ts';
import { toError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { AlertmanagerNotifier } from './alertmanager-notifier.ts';
import { LOG_FALLBACK, type NotifierSpec, type NotifiersConfig } from './config-file.ts';
import { EmailNotifier } from './email-notifier.ts';
import { LogNotifier } from './log-notifier.ts';
import { PagerDutyNotifier } from './pagerduty-notifier.ts';
import type { Sleep } from './sleep.ts';
import { SlackNotifier } from './slack-notifier.ts';
import type { Notifier } from './types.ts';

export interface CreateNotifiersOptions {
  readonly logger: Logger;
  /** Time for rate limits and Retry-After. Default the system clock. */
  readonly clock?: Clock;
  /** How rate limits wait. Default real timers. */
  readonly sleep?: Sleep;
}

export interface Notifiers {
  /** By name, in configuration order. */
  readonly all: ReadonlyMap<string, Notifier>;
  /** The fallback route of the notifier named `name`. */
  fallbackOf(name: string): Notifier;
  /** Closes every notifier (keeps the first error). */
  close(): Promise<void>;
}

export function createNotifier(spec: NotifierSpec, options: CreateNotifiersOptions): Notifier {
  const injected = {
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  };
  switch (spec.kind) {
    case 'slack':
      return new SlackNotifier({
        ...spec.options,
        ...injected,
        ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
      });
    case 'email':
      return new EmailNotifier(spec.options);
    case 'pagerduty':
      return new PagerDutyNotifier({ ...spec.options, ...injected });
    case 'alertmanager':
      return new AlertmanagerNotifier({ ...spec.options, ...injected });
    case 'log':
      return new LogNotifier({ name: spec.name, logger: options.logger });
  }
}

export function createNotifiers(config: NotifiersConfig, options: CreateNotifiersOptions): Notifiers {
  const all = new Map<string, Notifier>();
  for (const spec of config.notifiers) all.set(spec.name, createNotifier(spec, options));
  const log = new LogNotifier({ name: LOG_FALLBACK, logger: options.logger });
  const fallback = all.get(config.fallback) ?? log;
  return {
    all,
    fallbackOf: (name) => (name === config.fallback ? log : fallback),
    async close() {
      let first: Error | undefined;
      for (const notifier of all.values()) {
        try {
          await notifier.close();
        } catch (error: unknown) {
          first ??= toError(error);
        }
      }
      if (first !== undefined) throw first;
    },
  };
}
