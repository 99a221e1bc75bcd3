/**
 * `value` without its keys whose value is undefined, so that spreading it over defaults keeps the
 * default where an option was left out (`{ ...DEFAULTS, ...withoutUndefined(options) }`).
 */
export function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
