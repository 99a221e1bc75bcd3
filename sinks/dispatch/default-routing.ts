/**
 * The shipped routing over the notifiers a team has: a Slack-only team starts `notify` with the defaults.
 * A receiver the notifiers file does not name is dropped from its route; a route left with none falls
 * back to every notifier present; the digest goes to the targets present, else the first notifier. What
 * changed is said once, as a warning. A routing file of one's own is never adapted: its receivers must
 * exist (checkReceivers).
 */
import { DIGEST_RECEIVER, type RoutingConfig } from './routing.ts';

/** The routing as adapted, and what was changed (one line each), empty when nothing was. */
export interface AdaptedRouting {
  readonly routing: RoutingConfig;
  readonly changes: readonly string[];
}

export function adaptDefaultRouting(routing: RoutingConfig, notifiers: readonly string[]): AdaptedRouting {
  const present = new Set(notifiers);
  const changes: string[] = [];
  const routes = routing.routes.map((route) => {
    const kept = route.receivers.filter((r) => r === DIGEST_RECEIVER || present.has(r));
    const missing = route.receivers.filter((r) => !kept.includes(r));
    if (missing.length === 0) return route;
    const receivers = kept.length > 0 ? kept : [...notifiers];
    changes.push(
      `route ${route.name}: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not in the notifiers file; ` +
        `its alerts go to ${receivers.join(', ')}`,
    );
    return Object.freeze({ ...route, receivers: Object.freeze(receivers) });
  });
  let digest = routing.digest;
  const targets = digest.targets.filter((t) => present.has(t));
  if (targets.length < digest.targets.length) {
    const chosen = targets.length > 0 ? targets : notifiers.slice(0, 1);
    changes.push(
      `digest: ${digest.targets.filter((t) => !present.has(t)).join(', ')} not in the notifiers file; ` +
        `the daily digest goes to ${chosen.join(', ')}`,
    );
    digest = Object.freeze({
      ...digest,
      targets: Object.freeze(chosen),
      targetLocations: Object.freeze(chosen.map(() => '')),
    });
  }
  if (changes.length === 0) return { routing, changes };
  return { routing: Object.freeze({ ...routing, routes: Object.freeze(routes), digest }), changes };
}
