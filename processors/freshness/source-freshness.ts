/**
 * The freshness of one source, as a pure state machine on wall-clock times:
 *
 *   fresh ──(nothing seen by due_at = last_seen + cadence + slack)──► stale ──(a newer record)──► fresh
 *                                                                      │
 *                                              (silent until forget_at)└──► forgotten ──(a record)──► fresh
 *   fresh or stale ──(a retirement: the source stops on purpose)──► forgotten
 *
 * plus a report every `report_every` (slots aligned to multiples of it) while not forgotten. Every
 * transition is stamped with the time it happened (the due time, the forget time, the report slot, the
 * seen time of the record), never with the time a timer happened to fire, so a timer that fires again
 * after a crash produces the same outputs, and a record processed before a late tick gives the same
 * outputs as the tick would have (see {@link advance}). Stamps never go backwards for a source.
 */
import type { SourceSettings } from './options.ts';
import type { FreshnessEvent, SourceFreshness } from './types.ts';

/** One thing that happened to a source, for the outputs (outputs.ts). */
export interface Transition {
  readonly event: FreshnessEvent;
  /** When it happened (epoch ms, wall clock), never earlier than a previous transition of the source. */
  readonly ts: number;
  /** ts − last_seen (0 when a record arrived). */
  readonly stalenessMs: number;
  /** `resumed`: how long the source was silent (seen − previous last_seen). */
  readonly silenceMs: number | null;
}

export type TransitionSink = (f: SourceFreshness, transition: Transition) => void;

/** The first slot (multiple of `every`) strictly after `t`. */
export function nextSlot(t: number, every: number): number {
  return Math.floor(t / every) * every + every;
}

/** A source seen for the first time (at `seen`, a record with event time `eventTs`). */
export function firstSeen(
  seen: number,
  eventTs: number | null,
  settings: SourceSettings,
  reportEveryMs: number | null,
  emit: TransitionSink,
): SourceFreshness {
  const f = watched(seen, eventTs, 1, settings, reportEveryMs);
  emit(f, { event: 'first_seen', ts: seen, stalenessMs: 0, silenceMs: null });
  return f;
}

/**
 * A source watched before its first record (an expected source), from `now`: no record seen yet
 * (`records` 0), so it goes stale at now + cadence + slack unless one comes. Nothing is emitted: the
 * watch beginning is no news.
 */
export function expectedSince(
  now: number,
  settings: SourceSettings,
  reportEveryMs: number | null,
): SourceFreshness {
  return watched(now, null, 0, settings, reportEveryMs);
}

/** A source's freshness as its watch begins at `since`, scheduled. */
function watched(
  since: number,
  eventTs: number | null,
  records: number,
  settings: SourceSettings,
  reportEveryMs: number | null,
): SourceFreshness {
  const f: SourceFreshness = {
    first_seen: since,
    last_seen: since,
    last_event_ts: eventTs,
    records,
    cadence_ms: settings.cadenceMs,
    slack_ms: settings.slackMs,
    due_at: 0,
    stale_since: null,
    forget_at: null,
    forgotten: false,
    next_report_at: reportEveryMs === null ? null : nextSlot(since, reportEveryMs),
    last_point_ts: since,
  };
  schedule(f, settings);
  return f;
}

/**
 * A record of the source, seen at `seen`. A record not newer than the newest seen (out of order) is
 * counted and changes nothing else: it proves nothing about the time after the newest. A newer one first
 * plays the transitions due before it (a tick may not have fired them yet), then ends a stale or
 * forgotten spell (`resumed`) and moves the due time.
 */
export function observe(
  f: SourceFreshness,
  seen: number,
  eventTs: number | null,
  settings: SourceSettings,
  reportEveryMs: number | null,
  emit: TransitionSink,
): void {
  const expectedOnly = f.records === 0;
  f.records += 1;
  if (seen <= f.last_seen && !expectedOnly) return;
  // The first record of an expected source, produced before the watch began, counts from then.
  if (expectedOnly) seen = Math.max(seen, f.last_seen);
  advance(f, seen, false, settings, reportEveryMs, emit);
  if (f.stale_since !== null || f.forgotten) {
    const silenceMs = seen - f.last_seen;
    f.last_seen = seen;
    emit(f, { event: 'resumed', ts: stamp(f, seen), stalenessMs: 0, silenceMs });
  }
  f.last_seen = seen;
  f.last_event_ts = eventTs;
  f.stale_since = null;
  f.forgotten = false;
  if (f.next_report_at === null && reportEveryMs !== null) f.next_report_at = nextSlot(seen, reportEveryMs);
  schedule(f, settings);
}

/**
 * Plays the transitions due before `bound` (`inclusive`: at or before, as a timer does at `now`), in
 * time order: the source going stale at its due time, being forgotten, and the report of the latest
 * slot (missed slots are not made up: one report, of the latest). `settings` are the current ones: a
 * changed cadence applies from here.
 */
export function advance(
  f: SourceFreshness,
  bound: number,
  inclusive: boolean,
  settings: SourceSettings,
  reportEveryMs: number | null,
  emit: TransitionSink,
): void {
  schedule(f, settings);
  if (reportEveryMs === null) f.next_report_at = null;
  else if (f.next_report_at === null && !f.forgotten)
    f.next_report_at = nextSlot(f.last_point_ts, reportEveryMs);
  const due = (at: number) => (inclusive ? at <= bound : at < bound);
  for (;;) {
    if (f.forgotten) return;
    const staleAt = f.stale_since === null ? f.due_at : null;
    const forgetAt = f.stale_since !== null ? f.forget_at : null;
    const reportAt =
      f.next_report_at !== null && reportEveryMs !== null && due(f.next_report_at)
        ? latestSlot(bound, inclusive, reportEveryMs)
        : null;
    // In time order; at the same time: stale, then the report, then forgetting.
    const next = [
      { kind: 'stale', at: staleAt },
      { kind: 'report', at: reportAt },
      { kind: 'forget', at: forgetAt },
    ]
      .filter((c): c is { kind: string; at: number } => c.at !== null && due(c.at))
      .sort((a, b) => a.at - b.at)[0];
    if (next === undefined) return;
    if (next.kind === 'stale') {
      f.stale_since = next.at;
      const ts = stamp(f, next.at);
      emit(f, { event: 'stale', ts, stalenessMs: ts - f.last_seen, silenceMs: null });
    } else if (next.kind === 'report') {
      const ts = stamp(f, next.at);
      emit(f, { event: 'report', ts, stalenessMs: Math.max(0, ts - f.last_seen), silenceMs: null });
      f.next_report_at = next.at + (reportEveryMs ?? 0);
    } else {
      f.forgotten = true;
      f.stale_since = null;
      f.next_report_at = null;
      const ts = stamp(f, next.at);
      emit(f, { event: 'forgotten', ts, stalenessMs: ts - f.last_seen, silenceMs: null });
    }
  }
}

/** When something is due next for the source (a timer), or null. */
export function nextTimerAt(f: SourceFreshness): number | null {
  if (f.forgotten) return null;
  const candidates = [f.stale_since === null ? f.due_at : f.forget_at, f.next_report_at].filter(
    (t): t is number => t !== null,
  );
  return candidates.length === 0 ? null : Math.min(...candidates);
}

/**
 * The source says it stops on purpose (a tradewatch instance stopped gracefully), at `seen`: what was due
 * before plays first, then it is forgotten at once (no staleness, no timers; a stale spell is closed) until
 * its next record, which starts it again as `resumed`.
 */
export function retire(
  f: SourceFreshness,
  seen: number,
  settings: SourceSettings,
  reportEveryMs: number | null,
  emit: TransitionSink,
): void {
  f.records += 1;
  if (seen < f.last_seen || f.forgotten) return;
  advance(f, seen, false, settings, reportEveryMs, emit);
  if (f.forgotten) return;
  f.last_seen = seen;
  f.stale_since = null;
  f.forgotten = true;
  f.next_report_at = null;
  emit(f, { event: 'retired', ts: stamp(f, seen), stalenessMs: 0, silenceMs: null });
}

/** The source stops being watched (its key is now ignored): a stale spell is closed. */
export function unwatch(f: SourceFreshness, now: number, emit: TransitionSink): void {
  if (f.stale_since === null) return;
  f.stale_since = null;
  const ts = stamp(f, now);
  emit(f, { event: 'unwatched', ts, stalenessMs: ts - f.last_seen, silenceMs: null });
}

/** Due and forget times from the newest seen time and the current settings. */
function schedule(f: SourceFreshness, settings: SourceSettings): void {
  f.cadence_ms = settings.cadenceMs;
  f.slack_ms = settings.slackMs;
  f.due_at = f.last_seen + settings.cadenceMs + settings.slackMs;
  f.forget_at = settings.forgetAfterMs === null ? null : f.last_seen + settings.forgetAfterMs;
}

/** The latest slot at or before `bound` (strictly before unless `inclusive`). */
function latestSlot(bound: number, inclusive: boolean, every: number): number {
  return inclusive ? Math.floor(bound / every) * every : Math.ceil(bound / every) * every - every;
}

/** The ts of a point about the source at `at`: never earlier than the previous one. */
function stamp(f: SourceFreshness, at: number): number {
  f.last_point_ts = Math.max(f.last_point_ts, at);
  return f.last_point_ts;
}
