/** Gathers one part of the status with a deadline; a failure becomes the part's error, never a throw. */
import type { Clock } from '../../core/clock.ts';
import { TradewatchError, toError } from '../../core/errors.ts';
import { redactUrl } from '../../core/redact.ts';
import type { Part } from './types.ts';

/**
 * Runs `gather` and returns its data, or its error once it throws or `deadlineMs` passes (the work is
 * then left to finish or fail in the background; the command's clean-up closes its clients).
 */
export async function gatherPart<T>(
  gather: () => Promise<T>,
  deadlineMs: number,
  clock: Clock,
): Promise<Part<T>> {
  const started = clock.now();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new TradewatchError('TW_TIMEOUT', `no answer within ${deadlineMs} ms`)),
      deadlineMs,
    );
  });
  try {
    const data = await Promise.race([gather(), deadline]);
    return { ok: true, tookMs: clock.now() - started, data };
  } catch (e: unknown) {
    return { ok: false, tookMs: clock.now() - started, error: describeError(e) };
  } finally {
    clearTimeout(timer);
  }
}

/** `CODE: message`, on one line, with any URL's password or secret-looking parameters hidden. */
export function describeError(thrown: unknown): string {
  const error = toError(thrown);
  const code = error instanceof TradewatchError ? `${error.code}: ` : '';
  const text = `${code}${error.message}`.replace(/\s+/g, ' ').trim();
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s,;)]+/gi, (url) => redactUrl(url));
}
