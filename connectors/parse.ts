/**
 * Reading provider payloads strictly: JSON or a PayloadError naming the endpoint; decimal strings
 * parsed exactly (the nearest double, never a lenient prefix like parseFloat's "12abc" → 12);
 * timestamps with up to nanosecond fractions.
 */
import { PayloadError } from './types.ts';

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The JSON of a payload body. @throws PayloadError */
export function parseJson(endpoint: string, body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (e: unknown) {
    throw new PayloadError(
      endpoint,
      `not JSON (${(e as Error).message}): ${body.subarray(0, 80).toString('utf8')}`,
    );
  }
}

/**
 * A number written as a decimal string or a JSON number; null for null, undefined or an empty string.
 * @throws PayloadError for anything else (`where` names the field).
 */
export function exactNumber(endpoint: string, value: unknown, where: string): number | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && DECIMAL.test(value.trim())) return Number(value.trim());
  throw new PayloadError(endpoint, `${where}: expected a decimal number, found ${JSON.stringify(value)}`);
}

/** Epoch ms of an ISO-8601 time with a zone, fractions beyond milliseconds dropped. @throws PayloadError */
export function isoTime(endpoint: string, value: unknown, where: string): number {
  if (typeof value === 'string') {
    const trimmed = value.replace(/(\.\d{3})\d+/, '$1');
    const ms = Date.parse(trimmed);
    if (!Number.isNaN(ms) && /(Z|[+-]\d\d:?\d\d)$/.test(trimmed)) return ms;
  }
  throw new PayloadError(
    endpoint,
    `${where}: expected an ISO-8601 time with a zone, found ${JSON.stringify(value)}`,
  );
}

/** `value` as an object. @throws PayloadError */
export function record(endpoint: string, value: unknown, where: string): Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value))
    return value as Record<string, unknown>;
  throw new PayloadError(
    endpoint,
    `${where}: expected an object, found ${JSON.stringify(value)?.slice(0, 80)}`,
  );
}

/** `value` as an array. @throws PayloadError */
export function list(endpoint: string, value: unknown, where: string): unknown[] {
  if (Array.isArray(value)) return value;
  throw new PayloadError(endpoint, `${where}: expected a list, found ${JSON.stringify(value)?.slice(0, 80)}`);
}

/** `SplyCur` → `sply_cur`, `CapMrktCurUSD` → `cap_mrkt_cur_usd`, `revenue` → `revenue`. */
export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toLowerCase();
}
