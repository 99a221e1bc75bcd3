import { inject } from 'vitest';

/** Runs SQL on the test QuestDB over HTTP `/exec` and returns the rows. */
export async function questdbQuery(sql: string): Promise<unknown[][]> {
  const url = new URL('/exec', inject('services').questdbHttpUrl);
  url.searchParams.set('query', sql);
  const response = await fetch(url);
  const body = (await response.json()) as { dataset?: unknown[][]; error?: string };
  if (!response.ok || body.error) throw new Error(`QuestDB: ${body.error ?? response.status} for ${sql}`);
  return body.dataset ?? [];
}

/** `SELECT count() ...` as a number. */
export async function questdbCount(fromWhere: string): Promise<number> {
  const rows = await questdbQuery(`SELECT count() FROM ${fromWhere}`);
  return Number(rows[0]?.[0] ?? 0);
}
