/**
 * What the connector store keeps. Terminology:
 * - a **scope** is one unit of progress of a connector (a repository, an asset × metric): its
 *   checkpoint says how far it got;
 * - an **endpoint** is a provider path template (`/repos/{owner}/{repo}/commits`): drift is tracked per
 *   endpoint;
 * - a **response** is one HTTP exchange as received (request, time, status), its body stored once by
 *   its SHA-256 (content-addressed), so normalization re-runs without the network.
 */

/** How far a scope got. */
export interface Checkpoint {
  /** A provider cursor (a page token, the last date fetched), or null. */
  readonly cursor: string | null;
  /** The newest event time fetched, epoch ms, or null. */
  readonly lastEventAt: number | null;
}

/** One HTTP exchange, as stored. */
export interface StoredResponse {
  readonly id: number;
  readonly connector: string;
  readonly runId: string;
  readonly endpoint: string;
  readonly method: string;
  /** The URL as requested, secrets redacted. */
  readonly url: string;
  readonly status: number;
  readonly etag: string | null;
  /** The headers kept (content type, pagination links, rate limits, ETag, location); never credentials. */
  readonly headers: Readonly<Record<string, string>>;
  /** The URL first asked for, when the provider redirected (a renamed project); else null. */
  readonly redirectedFrom: string | null;
  readonly bodySha256: string;
  readonly body: Buffer;
  readonly fetchedAt: number;
}

/** A response to store (the id and digest are the store's). */
export type NewResponse = Omit<StoredResponse, 'id' | 'bodySha256'>;

/** How a run is recorded. */
export type RunMode = 'run' | 'backfill' | 'replay';

/** A finished run's outcome. */
export interface RunOutcome {
  readonly status: 'success' | 'failure' | 'partial';
  readonly rows: number;
  readonly error: string | null;
  readonly finishedAt: number;
}

/** The shape of a payload last seen on an endpoint. */
export interface EndpointShape {
  readonly fingerprint: string;
  /** Field path → JSON type. */
  readonly shape: Readonly<Record<string, string>>;
  /** The fields of the last drift not yet followed by a clean run ('' if none). */
  readonly driftFields?: string;
}
