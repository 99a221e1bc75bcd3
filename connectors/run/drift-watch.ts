/**
 * Schema drift of one connector: each payload's shape against the shape last seen on its endpoint
 * (kept in Postgres). The stored shape is the union of what was seen, so optional fields do not flap;
 * a field counts as missing only when its parent came with items (an empty page misses nothing), and
 * the connector's optional fields of an endpoint (paging cursors) are never added or missing.
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
  readonly #optional: Readonly<Record<string, readonly string[]>>;

  constructor(
    store: ConnectorStore,
    connector: string,
    optionalFields: Readonly<Record<string, readonly string[]>> = {},
  ) {
    this.#store = store;
    this.#connector = connector;
    this.#optional = optionalFields;
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
    const optional = new Set(this.#optional[payload.endpoint] ?? []);
    const drift = {
      ...raw,
      added: raw.added.filter((path) => !optional.has(path)),
      // An array's items (`x[]`) may be none; a field is missing only when its parent came.
      missing: raw.missing.filter(
        (path) => !path.endsWith('[]') && parentOf(path) in shape && !optional.has(path),
      ),
    };
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
