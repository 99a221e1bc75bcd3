/**
 * A progress line on a terminal (standard error, only when it is a TTY): slices done, rebalances and
 * rebalances per second. Silent otherwise.
 */
import type { Clock } from '../core/clock.ts';
import { systemClock } from '../core/clock.ts';

export interface Progress {
  slice(): void;
  rebalances(count: number): void;
  done(): void;
}

export function progressLine(
  label: string,
  slices: number,
  stream: NodeJS.WriteStream = process.stderr,
  clock: Clock = systemClock,
): Progress {
  if (!stream.isTTY) return { slice: () => {}, rebalances: () => {}, done: () => {} };
  const start = clock.now();
  let done = 0;
  let rebalances = 0;
  let shownAt = 0;
  const show = (force = false): void => {
    const now = clock.now();
    if (!force && now - shownAt < 100) return;
    shownAt = now;
    const width = 20;
    const filled = Math.round((done / Math.max(1, slices)) * width);
    const rate = rebalances / Math.max(0.001, (now - start) / 1000);
    stream.write(
      `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${slices} slices, ` +
        `${rebalances} rebalances, ${Math.round(rate)}/s `,
    );
  };
  return {
    slice: () => {
      done += 1;
      show();
    },
    rebalances: (count) => {
      rebalances += count;
      show();
    },
    done: () => {
      show(true);
      stream.write('\n');
    },
  };
}
