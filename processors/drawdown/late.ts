import { LATE_PREFIX, type Rejection } from '../../runtime/processor/types.ts';

/**
 * Every rejection of a mark that arrived later than the grace period starts with this (the contract's
 * prefix), so the runtime dead-letters it as TW_RECORD_LATE rather than TW_RECORD_INVALID.
 */
export const LATE_REJECTION_PREFIX = LATE_PREFIX;

/** Whether a rejection is for lateness (dead-letter code TW_RECORD_LATE) rather than invalid content. */
export function isLateRejection(rejection: Rejection): boolean {
  return rejection.reject.startsWith(LATE_REJECTION_PREFIX);
}
