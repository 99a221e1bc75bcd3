/**
 * What a connector is. A connector fetches pages from its provider through the run's ConnectorHttp
 * and hands them over **scope by scope** (a repository, an asset × metric) with `commit`: the runner
 * checks the payloads' shapes, normalizes them with the connector's pure `normalize`, checks the
 * expectations, publishes the signals, and only then saves the scope's checkpoint. A restart
 * therefore resumes after the last committed scope or page. Replay calls `normalize` again on the
 * stored responses of a run, without the network, and publishes the same signals.
 */
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { ConnectorHttp } from './http/index.ts';
import type { Checkpoint } from './store/index.ts';

/** One payload as the provider sent it (from the network or the cache). */
export interface Payload {
  readonly endpoint: string;
  readonly url: string;
  readonly responseId: number;
  readonly body: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  /** When it was fetched: the time its values became known. */
  readonly fetchedAt: number;
  /** The URL first asked for, when the provider redirected (a renamed project); else null. */
  readonly redirectedFrom: string | null;
}

/** A value as a normalizer reads it; `value: null` when the provider gave none. */
export interface SignalValue {
  /** The canonical asset id. */
  readonly asset: string;
  readonly name: string;
  readonly value: number | null;
  readonly unit: string | null;
  /** The end of the value's measurement window, epoch ms. */
  readonly ts: number;
  readonly labels: Readonly<Record<string, string>>;
}

/** What a normalizer knows besides the payloads: the clock of the run that fetched them. */
export interface NormalizeContext {
  /** When the payloads were fetched (the newest): "now" for the normalizer, the same on replay. */
  readonly knownAt: number;
}

/** A payload the normalizer cannot read: it is quarantined and the run goes on. */
export class PayloadError extends Error {
  readonly endpoint: string;
  constructor(endpoint: string, message: string) {
    super(message);
    this.name = 'PayloadError';
    this.endpoint = endpoint;
  }
}

/** The time range a backfill reads (epoch ms, from inclusive, to exclusive). */
export interface TimeWindow {
  readonly fromMs: number;
  readonly toMs: number;
}

export interface RunContext {
  readonly http: ConnectorHttp;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly signal: AbortSignal | undefined;
  /** `run`: from the checkpoints on; `backfill`: the window, with checkpoints of its own. */
  readonly mode: 'run' | 'backfill';
  /** The window: a backfill's, or for a run from the checkpoint (or history) to now. */
  readonly window: TimeWindow;
  /** The checkpoint of `scope` (backfills have their own, per window). */
  checkpoint(scope: string): Promise<Checkpoint | undefined>;
  /** Checks, normalizes and publishes `payloads`, then saves `checkpoint` for `scope`. */
  commit(scope: string, payloads: readonly Payload[], checkpoint: Checkpoint): Promise<void>;
}

export interface Connector {
  readonly name: string;
  /**
   * Per endpoint, the payload fields (shape paths, e.g. `$.next_page_token`) the provider sends on some
   * pages and not on others, such as paging cursors absent from the last page: their coming and going
   * is not schema drift (a changed type still is).
   */
  readonly optionalFields?: Readonly<Record<string, readonly string[]>>;
  /** Fetches what is new (or the backfill window) and commits it scope by scope. */
  run(context: RunContext): Promise<void>;
  /**
   * Pure: the signals of one scope's payloads. Throws PayloadError (or any error) for a payload it
   * cannot read; the payloads are then quarantined.
   */
  normalize(scope: string, payloads: readonly Payload[], context: NormalizeContext): SignalValue[];
}

/** A payload from a stored or just received response. */
export function payloadOf(response: {
  readonly endpoint: string;
  readonly url: string;
  readonly responseId?: number;
  readonly id?: number;
  readonly body: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  readonly fetchedAt: number;
  readonly redirectedFrom: string | null;
}): Payload {
  return {
    endpoint: response.endpoint,
    url: response.url,
    responseId: response.responseId ?? response.id ?? 0,
    body: response.body,
    headers: response.headers,
    fetchedAt: response.fetchedAt,
    redirectedFrom: response.redirectedFrom,
  };
}
