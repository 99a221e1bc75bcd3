/** How numbers and times read on the page and on axes. Deterministic: no locale, always UTC. */

/** How a value axis or a table cell shows numbers. */
export type ValueFormat = 'number' | 'percent' | 'integer';

/** `v` as text; null, undefined and non-finite values read "—". */
export function formatValue(v: number | null | undefined, format: ValueFormat = 'number'): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  switch (format) {
    case 'percent':
      return formatPercent(v);
    case 'integer':
      return Math.round(v).toString();
    case 'number':
      return formatNumber(v);
  }
}

/** A fraction as a percentage with up to `digits` decimals, trailing zeros dropped: 0.0125 → "1.25%". */
export function formatPercent(v: number, digits = 2): string {
  return `${trim(v * 100, digits)}%`;
}

/** Up to 4 significant decimals for small numbers, grouped thousands for large ones: 1234567.8 → "1,234,568". */
export function formatNumber(v: number): string {
  const abs = Math.abs(v);
  if (abs >= 1000) return group(Math.round(v));
  if (abs === 0) return '0';
  if (abs < 1e-4) return v.toExponential(2);
  return trim(v, abs >= 1 ? 4 : 3 - Math.floor(Math.log10(abs)));
}

/** Epoch milliseconds as `YYYY-MM-DD HH:mm` UTC (seconds shown when not zero). */
export function formatTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  const seconds = iso.slice(17, 19);
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}${seconds === '00' ? '' : `:${seconds}`}`;
}

function trim(v: number, digits: number): string {
  const text = v.toFixed(Math.min(20, Math.max(0, digits)));
  const trimmed = text.includes('.') ? text.replace(/\.?0+$/, '') : text;
  return trimmed === '-0' ? '0' : trimmed;
}

function group(n: number): string {
  const sign = n < 0 ? '-' : '';
  return (
    sign +
    Math.abs(n)
      .toString()
      .replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  );
}
