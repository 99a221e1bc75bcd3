/** Progress lines on standard error, each with the time since the run started; number formatting. */
const started = performance.now();

export function progress(message: string): void {
  const s = ((performance.now() - started) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[${s}s] ${message}\n`);
}

/** 1234567 → "1,234,567"; fractions keep `digits` decimals. */
export function num(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Bytes as MiB with one decimal. */
export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** A ratio as "0.42×". */
export function ratio(value: number | null): string {
  return value === null ? 'n/a' : `${value.toFixed(3)}×`;
}

/** Rounds to `digits` decimals, for the JSON file. */
export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
