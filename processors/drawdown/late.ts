import { LATE_PREFIX, type Rejection } from '../contract.ts';

/**
 * Every rejection of a mark that arrived later than the grace period starts with this (the contract's
 * prefix), so the runtime sends it to the `late` side output (TW_RECORD_LATE) rather than dead-lettering it.
 */
export const LATE_REJECTION_PREFIX = LATE_PREFIX;

/** Whether a rejection is for lateness (`late` side output, code TW_RECORD_LATE) rather than invalid content. */
export function isLateRejection(rejection: Rejection): boolean {
  return rejection.reject.startsWith(LATE_REJECTION_PREFIX);
}
