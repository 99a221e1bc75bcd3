import { expect, it } from 'vitest';
import { SerialQueue } from '../../core/serial-queue.ts';

it('runs work one piece at a time in order; a failure fails its caller only', async () => {
  const queue = new SerialQueue();
  const log: string[] = [];
  const piece = (name: string, fail = false) =>
    queue.run(async () => {
      log.push(`${name} starts`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      log.push(`${name} ends`);
      if (fail) throw new Error(name);
      return name;
    });
  const results = await Promise.allSettled([piece('a'), piece('b', true), piece('c')]);
  await queue.idle();
  expect(results.map((r) => (r.status === 'fulfilled' ? r.value : 'failed'))).toEqual(['a', 'failed', 'c']);
  expect(log).toEqual(['a starts', 'a ends', 'b starts', 'b ends', 'c starts', 'c ends']);
});
