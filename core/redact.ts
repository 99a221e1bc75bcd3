/**
 * Secrets (passwords in connection strings, webhook URLs, API tokens) must never reach logs or error
 * messages. These helpers are what every log line and error message that mentions a URL goes through.
 */

const SECRET_QUERY_KEYS = /^(token|access_token|api[_-]?key|key|secret|password|pass|sig|signature)$/i;

/** A URL with its password (and any secret-looking query parameter) replaced by `***`. */
export function redactUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Not a URL: it may still hold `user:password@`; hide that part.
    return raw.replace(/\/\/([^/@:]+):[^/@]*@/, '//$1:***@');
  }
  if (url.password) url.password = '***';
  for (const key of [...url.searchParams.keys()]) {
    if (SECRET_QUERY_KEYS.test(key)) url.searchParams.set(key, '***');
  }
  return url.toString();
}

/** Paths pino redacts in every log record. */
export const REDACT_PATHS: readonly string[] = [
  'password',
  '*.password',
  'token',
  '*.token',
  'apiKey',
  '*.apiKey',
  'webhookUrl',
  '*.webhookUrl',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'databaseUrl',
  '*.databaseUrl',
  'routingKey',
  '*.routingKey',
  'secretAccessKey',
  '*.secretAccessKey',
];
