/**
 * A notifier that only writes a log line (at error level for fallback reports, warn otherwise): the
 * default fallback route, so that a permanent failure is never silent even with no ops channel set up.
 */
import type { Logger } from '../../core/logger.ts';
import { notificationTitle } from './format.ts';
import { accepted, type DeliveryResult, type Notification, type Notifier } from './types.ts';

export interface LogNotifierOptions {
  /** The notifier's name. Default `log`. */
  readonly name?: string;
  readonly logger: Logger;
}

export class LogNotifier implements Notifier {
  readonly name: string;
  readonly kind = 'log' as const;
  readonly #log: Logger;

  constructor(options: LogNotifierOptions) {
    this.name = options.name ?? 'log';
    this.#log = options.logger.child({ notifier: this.name });
  }

  destinationOf(): string {
    return this.name;
  }

  send(notification: Notification): Promise<DeliveryResult> {
    const alerts = notification.alerts.map((a) => ({
      fingerprint: a.fingerprint,
      rule: a.rule,
      status: a.status,
      severity: a.severity,
      env: a.env,
    }));
    if (notification.failure === undefined) {
      this.#log.warn({ alerts }, notificationTitle(notification));
    } else {
      this.#log.error(
        { alerts, failure: notification.failure, code: 'TW_NOTIFY_REJECTED' },
        `undeliverable alert: ${notificationTitle(notification)}; ${notification.failure.notifier} refused it for good: ${notification.failure.reason}`,
      );
    }
    return Promise.resolve(accepted);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
