/**
 * Schema drift of one connector: each payload's shape against the shape last seen on its endpoint
 * (kept in Postgres). The stored shape is the union of what was seen, so optional fields do not flap;
 * a field counts as missing only when its parent came with items (an empty page misses nothing).
 */
import { describeDrift, driftBetween, fingerprintOf, shapeOf, type Shape } from '../quality/index.ts';
import type { ConnectorStore } from '../store/index.ts';
import type { Payload } from '../types.ts';
import type { DriftEvent } from './run-state.ts';

/** `$.a[].b` → `$.a[]`; `$.a[]` → `$.a`. */
function parentOf(path: string): string {
  if (path.endsWith('[]')) return path.slice(0, -2);
  const dot = path.lastIndexOf('.');
  return dot <= 0 ? '$' : path.slice(0, dot);
}

export class DriftWatch {
  readonly #store: ConnectorStore;
  readonly #connector: string;
  readonly #seen = new Map<string, Shape>();
  readonly #pending = new Map<string, string>();

  constructor(store: ConnectorStore, connector: string) {
    this.#store = store;
    this.#connector = connector;
  }

  /** The drift `payload` shows on its endpoint, or undefined (also for a payload that is not JSON). */
  async check(payload: Payload, now: number): Promise<DriftEvent | undefined> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload.body.toString('utf8'));
    } catch {
      return undefined; // the normalizer quarantines it
    }
    const shape = shapeOf(parsed);
    let before = this.#seen.get(payload.endpoint);
    if (before === undefined) {
      const stored = await this.#store.shape(this.#connector, payload.endpoint);
      before = stored === undefined ? undefined : { ...stored.shape };
      this.#pending.set(payload.endpoint, stored?.driftFields ?? '');
    }
    if (before === undefined) {
      this.#seen.set(payload.endpoint, shape);
      await this.#store.saveShape(
        this.#connector,
        payload.endpoint,
        { fingerprint: fingerprintOf(shape), shape },
        now,
      );
      return undefined;
    }
    const raw = driftBetween(before, shape);
    const drift = { ...raw, missing: raw.missing.filter((path) => parentOf(path) in shape) };
    const merged: Shape = { ...before };
    for (const [path, type] of Object.entries(shape))
      if (type !== 'null' || !(path in merged)) merged[path] = type;
    for (const path of drift.missing) delete merged[path];
    this.#seen.set(payload.endpoint, merged);
    if (describeDrift(drift) === '') return undefined;
    const fields = [...drift.added, ...drift.missing, ...drift.retyped].join(',').slice(0, 500);
    await this.#store.saveShape(
      this.#connector,
      payload.endpoint,
      { fingerprint: fingerprintOf(merged), shape: merged },
      now,
      fields,
    );
    const previousFields = this.#pending.get(payload.endpoint) ?? '';
    this.#pending.set(payload.endpoint, fields);
    return {
      endpoint: payload.endpoint,
      drift,
      previousFields: previousFields === fields ? '' : previousFields,
    };
  }
}
