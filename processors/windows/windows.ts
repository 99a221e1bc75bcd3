/**
 * Event-time windows for processors: tumbling and hopping windows with a grace period, and the
 * bookkeeping of which windows are open, which have closed and which records came too late. Pure and
 * JSON-serializable (the state lives in a processor's keyed state, so it is durable like the rest).
 * The trailing windows of the drawdown processor (a window ending at each record) live in
 * processors/drawdown/, on the same grace rule.
 *
 * Terminology:
 * - window: the half-open event-time interval [start, end), aligned to the epoch (a 1-day tumbling
 *   window starts at 00:00 UTC);
 * - tumbling: windows of `size` one after the other (`advance` = `size`): each record is in one window;
 * - hopping: windows of `size` starting every `advance` (< `size`): a record is in size/advance windows;
 * - stream time: the greatest event time seen so far (per key: the state holds it);
 * - grace: how long after its end a window still accepts records. A window closes once the stream
 *   time reaches `end + grace`: its aggregate is final and is emitted once;
 * - late: a record all of whose windows have closed. It is not aggregated: the processor routes it to
 *   the `late` side output with the reason this module words (never dropped silently).
 */

/** The shape of a processor's windows. */
export interface WindowSpec {
  readonly sizeMs: number;
  /** Distance between window starts; equal to `sizeMs` for tumbling windows. */
  readonly advanceMs: number;
  /** How long after its end a window still accepts records. */
  readonly graceMs: number;
}

export interface WindowBounds {
  readonly start: number;
  readonly end: number;
}

/** A window that closed, with its final aggregate. */
export interface ClosedWindow<A> extends WindowBounds {
  readonly aggregate: A;
}

/** The windows of one key: JSON-serializable, kept in the processor's state. */
export interface WindowState<A> {
  /** Greatest event time seen; null before the first record. */
  streamTime: number | null;
  /** Open windows as [start, aggregate], by ascending start. */
  open: [number, A][];
}

function checkMs(what: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${what} must be an integer number of milliseconds ≥ ${min}, got ${value}`);
  }
}

/** Tumbling windows of `sizeMs`. */
export function tumbling(sizeMs: number, graceMs = 0): WindowSpec {
  return hopping(sizeMs, sizeMs, graceMs);
}

/** Hopping windows of `sizeMs` starting every `advanceMs` (which must divide `sizeMs`). */
export function hopping(sizeMs: number, advanceMs: number, graceMs = 0): WindowSpec {
  checkMs('a window size', sizeMs, 1);
  checkMs('a window advance', advanceMs, 1);
  checkMs('a grace period', graceMs, 0);
  if (advanceMs > sizeMs || sizeMs % advanceMs !== 0) {
    throw new RangeError(
      `a hopping window's advance (${advanceMs} ms) must divide its size (${sizeMs} ms) and not exceed it`,
    );
  }
  return { sizeMs, advanceMs, graceMs };
}

/** The start of the latest window boundary at or before `ts` on a grid of `stepMs`. */
function floorTo(ts: number, stepMs: number): number {
  return ts - (((ts % stepMs) + stepMs) % stepMs);
}

/** Every window that contains `ts`, by ascending start. */
export function windowsOf(spec: WindowSpec, ts: number): WindowBounds[] {
  const windows: WindowBounds[] = [];
  const last = floorTo(ts, spec.advanceMs);
  for (let start = last - spec.sizeMs + spec.advanceMs; start <= last; start += spec.advanceMs) {
    windows.push({ start, end: start + spec.sizeMs });
  }
  return windows;
}

/** Whether the window ending at `end` has closed at stream time `streamTime`. */
export function isClosed(spec: WindowSpec, end: number, streamTime: number | null): boolean {
  return streamTime !== null && streamTime >= end + spec.graceMs;
}

/**
 * Why a record at `ts` is late at stream time `streamTime`, or null when at least one of its windows is
 * still open. The reason names the record's time, its window and the grace, for the `late` output.
 */
export function lateness(spec: WindowSpec, streamTime: number | null, ts: number): string | null {
  const windows = windowsOf(spec, ts);
  const newest = windows.at(-1)!;
  if (!isClosed(spec, newest.end, streamTime)) return null;
  return (
    `event time ${new Date(ts).toISOString()} falls in window ` +
    `[${new Date(newest.start).toISOString()}, ${new Date(newest.end).toISOString()}), which closed at ` +
    `${new Date(newest.end + spec.graceMs).toISOString()} (grace ${spec.graceMs} ms); stream time is ` +
    `${new Date(streamTime!).toISOString()}`
  );
}

/**
 * Keeps per-key windowed aggregates: `add` folds a record into each of its open windows, advances the
 * stream time and returns the windows that closed; a record all of whose windows closed is refused
 * with the lateness reason and changes nothing.
 */
export class WindowedAggregation<V, A> {
  readonly spec: WindowSpec;
  readonly #init: (window: WindowBounds) => A;
  readonly #fold: (aggregate: A, value: V, ts: number) => A;

  constructor(
    spec: WindowSpec,
    init: (window: WindowBounds) => A,
    fold: (aggregate: A, value: V, ts: number) => A,
  ) {
    this.spec = spec;
    this.#init = init;
    this.#fold = fold;
  }

  /** An empty window state. */
  initialState(): WindowState<A> {
    return { streamTime: null, open: [] };
  }

  /**
   * Adds a record. Returns `{ late }` (the reason, nothing changed) for a late record, else the windows
   * the record's event time closed (ascending), which are removed from the state.
   */
  add(
    state: WindowState<A>,
    ts: number,
    value: V,
  ): { readonly late: string } | { readonly late: null; readonly closed: ClosedWindow<A>[] } {
    const late = lateness(this.spec, state.streamTime, ts);
    if (late !== null) return { late };
    for (const window of windowsOf(this.spec, ts)) {
      if (isClosed(this.spec, window.end, state.streamTime)) continue;
      let index = state.open.findIndex(([start]) => start >= window.start);
      if (index === -1) index = state.open.length;
      if (state.open[index]?.[0] !== window.start)
        state.open.splice(index, 0, [window.start, this.#init(window)]);
      const entry = state.open[index]!;
      entry[1] = this.#fold(entry[1], value, ts);
    }
    return { late: null, closed: this.advance(state, ts) };
  }

  /** Moves the stream time to `streamTime` (if later) and returns, and removes, the windows that closed. */
  advance(state: WindowState<A>, streamTime: number): ClosedWindow<A>[] {
    if (state.streamTime === null || streamTime > state.streamTime) state.streamTime = streamTime;
    const closed: ClosedWindow<A>[] = [];
    while (state.open.length > 0) {
      const [start, aggregate] = state.open[0]!;
      const end = start + this.spec.sizeMs;
      if (!isClosed(this.spec, end, state.streamTime)) break;
      state.open.shift();
      closed.push({ start, end, aggregate });
    }
    return closed;
  }
}
