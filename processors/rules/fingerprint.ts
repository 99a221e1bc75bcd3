/** Alert identity: the same rule on the same series gets the same fingerprint in every episode and run. */
import { createHash } from 'node:crypto';

/**
 * The first 16 hex characters of the SHA-256 of the rule name, the environment and the alert's labels
 * (sorted by name, so their order does not matter). Like Alertmanager's, it identifies the alert, not
 * one episode: notifiers tell episodes apart by `starts_at`.
 */
export function alertFingerprint(
  rule: string,
  env: string,
  labels: Readonly<Record<string, string>>,
): string {
  const sorted = Object.keys(labels)
    .sort()
    .map((k) => [k, labels[k] ?? '']);
  // JSON keeps the parts apart: no label value can forge another set of labels.
  return createHash('sha256')
    .update(JSON.stringify([rule, env, sorted]))
    .digest('hex')
    .slice(0, 16);
}
