/** The dispatcher's undelivered notifications, from its notification log (sinks/dispatch/store.ts). */
import type { DispatchStore } from '../../sinks/dispatch/index.ts';
import type { DispatcherStatus } from './types.ts';

interface Row {
  pending: string;
  failing: string;
  oldest: string | null;
  rejected: string;
}

/** Pending (and failing) notifications now; those refused for good since `since` (epoch ms). */
export async function dispatcherStatus(store: DispatchStore, since: number): Promise<DispatcherStatus> {
  const row = await store.withClient('count the undelivered notifications', async (client) => {
    const { rows } = await client.query<Row>(
      `SELECT count(*) FILTER (WHERE state = 'pending') AS pending,
              count(*) FILTER (WHERE state = 'pending' AND attempts > 0) AS failing,
              min(created_at) FILTER (WHERE state = 'pending') AS oldest,
              count(*) FILTER (WHERE state = 'rejected' AND done_at >= $1) AS rejected
         FROM tw_dispatch_notifications`,
      [since],
    );
    return rows[0];
  });
  return {
    pending: Number(row?.pending ?? 0),
    failing: Number(row?.failing ?? 0),
    oldestPendingAt: row?.oldest == null ? null : Number(row.oldest),
    rejected: Number(row?.rejected ?? 0),
  };
}
