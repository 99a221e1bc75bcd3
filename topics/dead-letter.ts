/**
 * The dead-letter contract. A record that cannot be decoded or validated is copied to `dlq` with its
 * original key and value bytes untouched; where it came from and why it failed travel in headers.
 * The JSON form below is what `tradewatch consume dlq` prints and `tradewatch produce dlq` accepts
 * (to re-inject a repaired letter or to test), so it round-trips.
 */
import { TradewatchError } from '../core/errors.ts';
import { isoTimestamp, parseIsoTimestamp, type JsonOutputOptions } from '../schemas/index.ts';

/** Header names on every dead letter. */
export const DEAD_LETTER_HEADERS = {
  /** Topic the record was read from (physical name). */
  sourceTopic: 'tw.source.topic',
  /** Partition it was read from (decimal). */
  sourcePartition: 'tw.source.partition',
  /** Offset it was read at (decimal). */
  sourceOffset: 'tw.source.offset',
  /** Error code from the catalogue (README, "Error codes"). */
  errorCode: 'tw.error.code',
  /** Human-readable reason. */
  errorMessage: 'tw.error.message',
  /** When it was dead-lettered, epoch ms (decimal). */
  failedAt: 'tw.failed.at',
  /** Which processor (or tool) dead-lettered it. */
  failedBy: 'tw.failed.by',
} as const;

/**
 * Header names on a dead letter whose value was too large to keep whole: it is kept truncated, and these
 * say how large it was and its SHA-256 (hex), so the original can be found and checked.
 */
export const TRUNCATED_HEADERS = {
  size: 'tw.value.size',
  sha256: 'tw.value.sha256',
} as const;

/**
 * Header names on a replayed record (`tradewatch dlq replay`), and on its copy in `dlq.replays`. A
 * replayed record that fails again keeps them among its own headers in its new dead letter, so that
 * dead letter shows both errors.
 */
export const REPLAY_HEADERS = {
  /** What every replay header starts with. */
  prefix: 'tw.replay.',
  /** The record it replays: `<physical topic>:<partition>:<offset>`. */
  source: 'tw.replay.source',
  /** When it was replayed, epoch ms (decimal). */
  at: 'tw.replay.at',
  /** The error code of the failure it replays. */
  errorCode: 'tw.replay.error.code',
  /** The error message of the failure it replays. */
  errorMessage: 'tw.replay.error.message',
  /** On `dlq.replays` only: `true` when it was replayed again with --force. */
  forced: 'tw.replay.forced',
} as const;

/** A dead letter, decoded. */
export interface DeadLetter {
  readonly source: { readonly topic: string; readonly partition: number; readonly offset: string };
  readonly error: { readonly code: string; readonly message: string };
  readonly failedAt: number;
  readonly failedBy: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** The original record's own headers, kept. */
  readonly headers: Readonly<Record<string, Buffer>>;
}

const OURS = new Set<string>(Object.values(DEAD_LETTER_HEADERS));

/** The headers a dead letter carries: the original ones plus ours. */
export function deadLetterHeaders(letter: DeadLetter): Record<string, Buffer | string> {
  return {
    ...letter.headers,
    [DEAD_LETTER_HEADERS.sourceTopic]: letter.source.topic,
    [DEAD_LETTER_HEADERS.sourcePartition]: String(letter.source.partition),
    [DEAD_LETTER_HEADERS.sourceOffset]: letter.source.offset,
    [DEAD_LETTER_HEADERS.errorCode]: letter.error.code,
    // Headers have no size limit of their own, but a dead letter should stay small.
    [DEAD_LETTER_HEADERS.errorMessage]: letter.error.message.slice(0, 4000),
    [DEAD_LETTER_HEADERS.failedAt]: String(letter.failedAt),
    [DEAD_LETTER_HEADERS.failedBy]: letter.failedBy,
  };
}

/** Reads a dead letter back from a consumed record's key, value and headers. */
export function readDeadLetter(
  key: Buffer | null,
  value: Buffer | null,
  headers: Readonly<Record<string, Buffer>>,
): DeadLetter {
  const text = (name: string) => headers[name]?.toString('utf8') ?? '';
  const own: Record<string, Buffer> = {};
  for (const [name, v] of Object.entries(headers)) if (!OURS.has(name)) own[name] = v;
  return {
    source: {
      topic: text(DEAD_LETTER_HEADERS.sourceTopic),
      partition: Number(text(DEAD_LETTER_HEADERS.sourcePartition) || -1),
      offset: text(DEAD_LETTER_HEADERS.sourceOffset),
    },
    error: { code: text(DEAD_LETTER_HEADERS.errorCode), message: text(DEAD_LETTER_HEADERS.errorMessage) },
    failedAt: Number(text(DEAD_LETTER_HEADERS.failedAt) || 0),
    failedBy: text(DEAD_LETTER_HEADERS.failedBy),
    key,
    value,
    headers: own,
  };
}

/**
 * The JSON form of a dead letter: keys as text when they are printable UTF-8, else base64; `failed_at`
 * as epoch ms, or ISO-8601 with `options.timestamps: 'iso'` (both are read back).
 */
export function deadLetterToJson(
  letter: DeadLetter,
  options: JsonOutputOptions = {},
): Record<string, unknown> {
  const headers: Record<string, string> = {};
  for (const [name, v] of Object.entries(letter.headers)) headers[name] = v.toString('utf8');
  return {
    source: letter.source,
    error: letter.error,
    failed_at: options.timestamps === 'iso' ? isoTimestamp(letter.failedAt) : letter.failedAt,
    failed_by: letter.failedBy,
    ...(letter.key === null
      ? { key: null }
      : isPrintableUtf8(letter.key)
        ? { key: letter.key.toString('utf8') }
        : { key_base64: letter.key.toString('base64') }),
    value_base64: letter.value === null ? null : letter.value.toString('base64'),
    headers,
  };
}

/** Parses the JSON form; throws TW_INPUT_INVALID listing every problem. */
export function deadLetterFromJson(json: unknown): DeadLetter {
  const problems: string[] = [];
  const obj = (json ?? {}) as Record<string, unknown>;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw invalid(['expected a JSON object like {"source":{...},"error":{...},"value_base64":"..."}']);
  }
  const allowed = new Set([
    'source',
    'error',
    'failed_at',
    'failed_by',
    'key',
    'key_base64',
    'value_base64',
    'headers',
  ]);
  for (const k of Object.keys(obj))
    if (!allowed.has(k)) problems.push(`${k}: unknown field (known: ${[...allowed].join(', ')})`);
  const source = (obj['source'] ?? {}) as Record<string, unknown>;
  const error = (obj['error'] ?? {}) as Record<string, unknown>;
  const str = (v: unknown, path: string) => {
    if (typeof v !== 'string') problems.push(`${path}: expected a string, found ${JSON.stringify(v)}`);
    return typeof v === 'string' ? v : '';
  };
  const topic = str(source['topic'], 'source.topic');
  const partition = source['partition'];
  if (!Number.isInteger(partition) || (partition as number) < 0) {
    problems.push(`source.partition: expected a partition number >= 0, found ${JSON.stringify(partition)}`);
  }
  const offset = str(source['offset'], 'source.offset');
  if (offset !== '' && !/^\d+$/.test(offset))
    problems.push(`source.offset: expected a decimal offset, found "${offset}"`);
  const code = str(error['code'], 'error.code');
  const message = str(error['message'], 'error.message');
  const rawFailedAt = obj['failed_at'];
  const failedAt = typeof rawFailedAt === 'string' ? parseIsoTimestamp(rawFailedAt) : rawFailedAt;
  if (!Number.isSafeInteger(failedAt))
    problems.push(
      `failed_at: expected epoch ms or ISO-8601 with a zone, found ${JSON.stringify(rawFailedAt)}`,
    );
  const failedBy = str(obj['failed_by'] ?? '', 'failed_by');
  const base64 = (v: unknown, path: string): Buffer | null => {
    if (v === null || v === undefined) return null;
    if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) {
      problems.push(`${path}: expected base64 text or null, found ${JSON.stringify(v)}`);
      return null;
    }
    return Buffer.from(v, 'base64');
  };
  let key: Buffer | null = null;
  if ('key' in obj && 'key_base64' in obj) problems.push('key, key_base64: give one of them, not both');
  if (typeof obj['key'] === 'string') key = Buffer.from(obj['key'], 'utf8');
  else if (obj['key'] !== undefined && obj['key'] !== null)
    problems.push(`key: expected a string or null, found ${JSON.stringify(obj['key'])}`);
  else key = base64(obj['key_base64'], 'key_base64');
  const value = base64(obj['value_base64'], 'value_base64');
  const headers: Record<string, Buffer> = {};
  const rawHeaders = obj['headers'] ?? {};
  if (typeof rawHeaders !== 'object' || rawHeaders === null || Array.isArray(rawHeaders)) {
    problems.push('headers: expected an object of string values');
  } else {
    for (const [name, v] of Object.entries(rawHeaders)) {
      if (typeof v !== 'string')
        problems.push(`headers.${name}: expected a string, found ${JSON.stringify(v)}`);
      else headers[name] = Buffer.from(v, 'utf8');
    }
  }
  if (problems.length > 0) throw invalid(problems);
  return {
    source: { topic, partition: partition as number, offset },
    error: { code, message },
    failedAt: failedAt as number,
    failedBy,
    key,
    value,
    headers,
  };
}

function invalid(problems: string[]): TradewatchError {
  return new TradewatchError('TW_INPUT_INVALID', `not a dead letter: ${problems.join('; ')}`, {
    details: { problems },
  });
}

function isPrintableUtf8(bytes: Buffer): boolean {
  const text = bytes.toString('utf8');
  // Round-trips as UTF-8 and holds no control characters.
  return Buffer.from(text, 'utf8').equals(bytes) && !/[\p{Cc}]/u.test(text);
}
