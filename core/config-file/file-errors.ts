/**
 * The errors of the configuration files whose problems are a TradewatchError of their own code (rules,
 * rule tests, backtest requests) rather than a ConfigError.
 */
import { TradewatchError, type ErrorCode } from '../errors.ts';

/**
 * For `loadYamlFile`: `cannot read <subject> <shown>: <reason><advice>` as a TradewatchError of `code`.
 */
export function unreadableFileError(
  code: ErrorCode,
  subject: string,
  advice = '',
): (shown: string, reason: string, cause: unknown) => TradewatchError {
  return (shown, reason, cause) =>
    new TradewatchError(code, `cannot read ${subject} ${shown}: ${reason}${advice}`, {
      cause,
      details: { file: shown },
    });
}

/** `<subject> <file> is invalid (N problems):` and the list, then `fix`. */
export function invalidFileError(
  code: ErrorCode,
  subject: string,
  file: string,
  problems: readonly string[],
  fix: string,
): TradewatchError {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return new TradewatchError(
    code,
    `${subject} ${file} is invalid (${count}):\n${problems.map((p) => `  - ${p}`).join('\n')}\n${fix}`,
    { details: { file, problems } },
  );
}
