/**
 * The benchmark's flags, each with its default: the defaults are the full-size run; `--marks 100000`
 * (or smaller) gives a quick one.
 */
import { parseArgs } from 'node:util';

export interface BenchOptions {
  /** Marks pre-loaded for the throughput phases. Default 1 000 000. */
  readonly marks: number;
  /** Portfolios the pre-loaded marks are spread over. Default 1 000. */
  readonly portfolios: number;
  /** Event time between two marks of one portfolio, ms. Default 10 000. */
  readonly spacingMs: number;
  /**
   * Marks per second produced in the latency phase, one run of it per rate, in this order. Default
   * 1 000, 5 000 and 20 000 (issue 13: p99 ≤ 100 ms at a sustained 5 000, and 20 000 sustained).
   */
  readonly latencyRates: readonly number[];
  /** How long the latency phase produces at each rate, seconds. Default 30. */
  readonly durationS: number;
  /** Portfolios of the latency phase. Default 500. */
  readonly latencyPortfolios: number;
  /** Marks per crash-and-recovery cycle of a latency portfolio (2 alerts per cycle). Default 10. */
  readonly cycle: number;
  /** Gives up on a pipeline that has not caught up after this long, seconds. Default 900. */
  readonly timeoutS: number;
  readonly skipThroughput: boolean;
  readonly skipInMemory: boolean;
  readonly skipLatency: boolean;
  /** Skip phase 4 (baseline, freshness and precision@K, in memory and through Kafka). */
  readonly skipProcessors: boolean;
  /** Events per processor suite in phase 4. Default 100 000. */
  readonly processorEvents: number;
  /** Skip phase 5 (the rules engine with 1,000 rules, the notifiers against local receivers). */
  readonly skipAlerting: boolean;
  /** Skip phase 6 (the drawdown pipeline on one instance, then two in one group). */
  readonly skipScaling: boolean;
  /**
   * Leave the changelog topics to the runtime (which creates them itself) instead of creating them with
   * max.message.bytes = 64 MiB first. Default false.
   */
  readonly asDeployed: boolean;
  /**
   * Run the pipelines under `node --cpu-prof` and summarize where their CPU went (the profiles go to
   * `<tmpdir>/tradewatch-bench/<run>/`, for Chrome DevTools). Default false.
   */
  readonly profile: boolean;
  /** Keep the run's topics and groups (for a post-mortem). Default false. */
  readonly keep: boolean;
  /** Where the JSON result goes. Default bench/results. */
  readonly resultsDir: string;
  /** The Kafka Streams peer's Maven project, run after the pipeline on the same topic (phase 1c). */
  readonly peer?: string;
}

export const USAGE = `usage: node bench/main.ts [flags]

  --marks n               marks pre-loaded for the throughput phases (default 1000000)
  --portfolios n          portfolios they are spread over (default 1000)
  --spacing-ms n          event time between two marks of a portfolio (default 10000)
  --latency-rates a,b,c   marks/s produced in the latency phase: one run of it per rate, in turn
                          (default 1000,5000,20000)
  --rate n                the same as --latency-rates n (one rate)
  --duration s            seconds the latency phase produces at each rate (default 30)
  --latency-portfolios n  portfolios of the latency phase (default 500)
  --cycle n               marks per crash-and-recovery cycle in the latency phase (default 10)
  --timeout s             give up on a pipeline that has not caught up after s seconds (default 900)
  --skip-throughput       skip phase 1 (pre-load, reference consumer, pipeline)
  --skip-in-memory        skip phase 2 (the drawdown processor alone)
  --skip-latency          skip phase 3 (latency under a steady rate)
  --skip-processors       skip phase 4 (baseline, freshness, precision@K, rules: in memory, and as
                          \`tradewatch run --processors <name>\` children against a no-op consumer)
  --processor-events n    events per processor in phase 4 (default 100000)
  --skip-alerting         skip phase 5 (1,000 rules over the metrics stream; notifiers against local receivers)
  --skip-scaling          skip phase 6 (\`run --processors drawdown\`: one instance, then two in one group,
                          on the same --marks pre-loaded again)
  --as-deployed           let the runtime create its changelog topics (see bench/README.md); default:
                          the bench creates them with max.message.bytes = 64 MiB
  --profile               run the pipelines (phases 1, 3 and 4) under node --cpu-prof and summarize
                          their CPU time by component (profiles in <tmpdir>/tradewatch-bench/<run>/)
  --keep                  keep the run's topics and consumer groups
  --results-dir dir       where the JSON result is written (default bench/results)
  --peer dir              after the pipeline, build (Maven) and run the Kafka Streams peer of the drawdown
                          job in dir (e.g. ../shared/peers/kstreams-drawdown) cold on the same topic,
                          check a sample of its outputs against ours, report ours / peer
  --help                  this text
`;

export class UsageError extends Error {}

/** Parses the flags; throws a UsageError naming the bad flag. Returns undefined for --help. */
export function parseOptions(argv: readonly string[]): BenchOptions | undefined {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        marks: { type: 'string' },
        portfolios: { type: 'string' },
        'spacing-ms': { type: 'string' },
        rate: { type: 'string' },
        'latency-rates': { type: 'string' },
        duration: { type: 'string' },
        'latency-portfolios': { type: 'string' },
        cycle: { type: 'string' },
        timeout: { type: 'string' },
        'skip-throughput': { type: 'boolean' },
        'skip-in-memory': { type: 'boolean' },
        'skip-latency': { type: 'boolean' },
        'skip-processors': { type: 'boolean' },
        'processor-events': { type: 'string' },
        'skip-alerting': { type: 'boolean' },
        'skip-scaling': { type: 'boolean' },
        'as-deployed': { type: 'boolean' },
        profile: { type: 'boolean' },
        keep: { type: 'boolean' },
        'results-dir': { type: 'string' },
        peer: { type: 'string' },
        help: { type: 'boolean' },
      },
    });
  } catch (error: unknown) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const v = parsed.values;
  if (v.help) return undefined;
  const int = (name: string, raw: string | undefined, fallback: number, min: number): number => {
    if (raw === undefined) return fallback;
    const n = Number(raw.replaceAll('_', ''));
    if (!Number.isSafeInteger(n) || n < min) {
      throw new UsageError(`--${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
    }
    return n;
  };
  const options: BenchOptions = {
    marks: int('marks', v.marks, 1_000_000, 1),
    portfolios: int('portfolios', v.portfolios, 1_000, 1),
    spacingMs: int('spacing-ms', v['spacing-ms'], 10_000, 1),
    latencyRates: latencyRates(v['latency-rates'], v.rate, int),
    durationS: int('duration', v.duration, 30, 1),
    latencyPortfolios: int('latency-portfolios', v['latency-portfolios'], 500, 1),
    cycle: int('cycle', v.cycle, 10, 2),
    timeoutS: int('timeout', v.timeout, 900, 1),
    skipThroughput: v['skip-throughput'] ?? false,
    skipInMemory: v['skip-in-memory'] ?? false,
    skipLatency: v['skip-latency'] ?? false,
    skipProcessors: v['skip-processors'] ?? false,
    processorEvents: int('processor-events', v['processor-events'], 100_000, 1),
    skipAlerting: v['skip-alerting'] ?? false,
    skipScaling: v['skip-scaling'] ?? false,
    asDeployed: v['as-deployed'] ?? false,
    profile: v.profile ?? false,
    keep: v.keep ?? false,
    resultsDir: v['results-dir'] ?? 'bench/results',
    ...(v.peer === undefined ? {} : { peer: v.peer }),
  };
  if (options.portfolios > options.marks) {
    throw new UsageError(`--portfolios (${options.portfolios}) must not exceed --marks (${options.marks})`);
  }
  return options;
}

/** `--latency-rates 1000,5000` (or `--rate n`, one rate): positive integers, no repeats. */
function latencyRates(
  list: string | undefined,
  rate: string | undefined,
  int: (name: string, raw: string | undefined, fallback: number, min: number) => number,
): number[] {
  if (list !== undefined && rate !== undefined) {
    throw new UsageError('give --latency-rates or --rate, not both (--rate n is --latency-rates n)');
  }
  if (rate !== undefined) return [int('rate', rate, 0, 1)];
  if (list === undefined) return [1_000, 5_000, 20_000];
  const rates = list.split(',').map((raw) => int('latency-rates', raw.trim(), 0, 1));
  if (new Set(rates).size !== rates.length) {
    throw new UsageError(`--latency-rates lists a rate twice: ${JSON.stringify(list)}`);
  }
  return rates;
}
