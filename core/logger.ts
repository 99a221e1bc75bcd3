import { pino, type Logger, type LevelWithSilent } from 'pino';
import pretty from 'pino-pretty';
import { REDACT_PATHS } from './redact.ts';

export type { Logger } from 'pino';

/** How log lines look: `json` for machines (one JSON object a line), `pretty` for a person at a terminal. */
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LoggerOptions {
  /** Minimum level written. Default `info`. */
  level?: LevelWithSilent;
  /** Line format. Default `json`. */
  format?: LogFormat;
  /** Name on every line. Default `tradewatch`. */
  name?: string;
  /** Where lines go. Default standard error (standard output carries data, e.g. `consume`). */
  destination?: NodeJS.WritableStream;
}

/**
 * The root logger. Everything else takes it (or a child of it) as a parameter; secrets are redacted.
 * Logs go to standard error so that standard output stays clean for data.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? process.stderr;
  const base = {
    name: options.name ?? 'tradewatch',
    level: options.level ?? 'info',
    redact: { paths: [...REDACT_PATHS], censor: '***' },
  };
  if ((options.format ?? 'json') === 'pretty') {
    return pino(
      base,
      pretty({
        destination,
        sync: true,
        colorize: 'isTTY' in destination && destination.isTTY === true,
        ignore: 'pid,hostname,name',
        translateTime: 'SYS:HH:MM:ss.l',
      }),
    );
  }
  return pino(base, destination);
}

/** A logger that writes nothing, for tests and library callers that pass none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
