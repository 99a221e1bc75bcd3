/**
 * A file `backtest enqueue` and the scheduler's `backtest-fanout` template accept: a version 2 config
 * (one task per time slice, for `backtest worker`s) or a version 1 request (its data slices, as before).
 */
import { readFile } from 'node:fs/promises';
import { isRecord, parseYaml } from '../core/config-file/index.ts';
import type { BacktestTask } from '../schemas/index.ts';
import { loadBacktestConfig } from './config.ts';
import { configTasks } from './pool.ts';
import { loadBacktestRequest } from './request.ts';
import { backtestTasks } from './tasks.ts';

export interface BacktestTaskSource {
  readonly id: string;
  /** SHA-256 (hex) of the normalized config or request. */
  readonly digest: string;
  /** 2 for a config, 1 for a request. */
  readonly version: 1 | 2;
  tasks(requestedAt: number, requestedBy: string | null): BacktestTask[];
}

/** Reads `file`; every problem at once (TW_BACKTEST_INVALID), as each format's loader reports them. */
export async function loadBacktestTaskSource(file: string): Promise<BacktestTaskSource> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const parsed = parseYaml(text, file);
  if ('parsed' in parsed && isRecord(parsed.parsed.root) && parsed.parsed.root['version'] === 2) {
    const config = await loadBacktestConfig(file);
    return {
      id: config.id,
      digest: config.digest,
      version: 2,
      tasks: (now, by) => configTasks(config, now, by),
    };
  }
  const request = await loadBacktestRequest(file);
  return {
    id: request.id,
    digest: request.digest,
    version: 1,
    tasks: (now, by) => backtestTasks(request, now, by),
  };
}
