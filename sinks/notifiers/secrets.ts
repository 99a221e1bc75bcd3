/**
 * Webhook URLs, routing keys, base URLs and credentials come from configuration and must never reach a
 * log line, an error message or a stored notification's error. Each notifier builds the reasons it reports
 * from status codes and receiver error strings, then passes them through its {@link SecretScrubber}, in
 * case a receiver (or a network error) echoes part of a request back.
 */
import { redactUrl } from '../../core/redact.ts';

/** Path pieces shorter than this are not hidden on their own (`v2`, `api`, `services`). */
const MIN_SECRET_PIECE = 8;

export type SecretScrubber = (text: string) => string;

/**
 * A scrubber hiding each secret, and for URL secrets also their path, their credentials and their
 * longer path segments (a Slack webhook's token), each also URL-encoded.
 */
export function secretScrubber(secrets: readonly string[]): SecretScrubber {
  const pieces = new Set<string>();
  for (const secret of secrets) {
    if (secret === '') continue;
    pieces.add(secret);
    let url: URL | undefined;
    try {
      url = new URL(secret);
    } catch {
      url = undefined;
    }
    if (url === undefined) continue;
    pieces.add(url.host);
    if (url.username) pieces.add(decodeURIComponent(url.username));
    if (url.password) pieces.add(decodeURIComponent(url.password));
    if (url.pathname.length > 1) pieces.add(url.pathname);
    for (const segment of url.pathname.split('/')) {
      if (segment.length >= MIN_SECRET_PIECE) pieces.add(decodeURIComponent(segment));
    }
    for (const value of url.searchParams.values()) {
      if (value.length >= MIN_SECRET_PIECE) pieces.add(value);
    }
  }
  for (const piece of [...pieces]) pieces.add(encodeURIComponent(piece));
  // Longest first, so that a secret is hidden whole before any of its parts.
  const ordered = [...pieces].filter((p) => p.length > 0).sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const piece of ordered) out = out.split(piece).join('***');
    // Anything else that looks like a URL with credentials loses them too.
    return out.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, (url) => redactUrl(url));
  };
}
