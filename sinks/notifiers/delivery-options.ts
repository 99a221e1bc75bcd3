/**
 * How hard the dispatcher's delivery (sinks/dispatch/delivery.ts) tries to send a notification before
 * it holds the receiver's rows back, and how often it then probes the receiver: public options (documented, with defaults) → compiled (defaults applied, checked, frozen;
 * durations in ms).
 */
import { withoutUndefined } from '../../core/without-undefined.ts';
import { ConfigError } from '../../core/errors.ts';

export interface DeliveryPolicy {
  /** Attempts at one notification (the first included) before the receiver is held back. Default 5. */
  readonly maxAttempts?: number;
  /** Wait after the first failed attempt, in ms. Default 1 000. */
  readonly initialBackoffMs?: number;
  /** Longest wait between two attempts, in ms. Default 30 000. */
  readonly maxBackoffMs?: number;
  /** Each wait is the previous one times this. Default 2. */
  readonly backoffMultiplier?: number;
  /**
   * Most time spent on one notification (attempts and waits, Retry-After included) before the receiver
   * is held back, in ms: a Retry-After beyond what is left holds it back at once. Default 120 000.
   */
  readonly maxElapsedMs?: number;
  /**
   * How long a receiver that did not accept a notification is left alone before its oldest pending
   * notification is tried again (the probe), in ms. Its other pending notifications wait as long.
   * Default 30 000.
   */
  readonly probeIntervalMs?: number;
}

export type CompiledDeliveryPolicy = Required<{ readonly [K in keyof DeliveryPolicy]-?: number }>;

export const DELIVERY_DEFAULTS: CompiledDeliveryPolicy = Object.freeze({
  maxAttempts: 5,
  initialBackoffMs: 1_000,
  maxBackoffMs: 30_000,
  backoffMultiplier: 2,
  maxElapsedMs: 120_000,
  probeIntervalMs: 30_000,
});

/** Applies the defaults and checks the values. @throws ConfigError listing every problem. */
export function compileDeliveryPolicy(policy: DeliveryPolicy = {}): CompiledDeliveryPolicy {
  const compiled: CompiledDeliveryPolicy = { ...DELIVERY_DEFAULTS, ...withoutUndefined(policy) };
  const problems: string[] = [];
  const check = (key: keyof CompiledDeliveryPolicy, ok: boolean, expected: string) => {
    if (!ok) problems.push(`delivery.${key}: expected ${expected}, found ${String(compiled[key])}`);
  };
  check(
    'maxAttempts',
    Number.isInteger(compiled.maxAttempts) && compiled.maxAttempts >= 1,
    'a whole number ≥ 1',
  );
  check('initialBackoffMs', compiled.initialBackoffMs >= 0, 'a duration ≥ 0');
  check('maxBackoffMs', compiled.maxBackoffMs >= compiled.initialBackoffMs, 'a duration ≥ initialBackoffMs');
  check('backoffMultiplier', compiled.backoffMultiplier >= 1, 'a number ≥ 1');
  check('maxElapsedMs', compiled.maxElapsedMs >= 0, 'a duration ≥ 0');
  check('probeIntervalMs', compiled.probeIntervalMs > 0, 'a positive duration');
  if (problems.length > 0) throw new ConfigError(problems, 'the notifiers’ delivery policy');
  return Object.freeze(compiled);
}
