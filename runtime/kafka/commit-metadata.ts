/**
 * The metadata the processor runner commits beside each offset (Kafka keeps a short string with every
 * committed offset): when it committed, so that `tradewatch status` can tell how long ago a processor
 * last made progress. JSON, so that more can be added: `{"committedAt":<epoch ms>}`.
 */

/** The offset metadata of a commit made at `at` (epoch ms). */
export function commitMetadata(at: number): string {
  return JSON.stringify({ committedAt: at });
}

/** When a commit was made, from its metadata; null when it does not say (another client, an older version). */
export function committedAt(metadata: string | null): number | null {
  if (metadata === null || !metadata.startsWith('{')) return null;
  try {
    const at = (JSON.parse(metadata) as { committedAt?: unknown }).committedAt;
    return typeof at === 'number' && Number.isFinite(at) ? at : null;
  } catch {
    return null;
  }
}
