import { InvalidArgumentError, type Command } from 'commander';
import { connectorFreshnessSources, loadConnectorsConfig } from '../../connectors/index.ts';
import { PROCESSOR_NAMES, type ProcessorName } from '../../processors/index.ts';
import type { CliContext } from '../context.ts';
import { startPipeline } from '../pipeline.ts';

export function registerRunCommand(program: Command, context: (c: Command) => CliContext): void {
  program
    .command('run')
    .description(
      'run the pipeline: every processor (or --processors a,b), each in its consumer group, until ' +
        'SIGINT/SIGTERM (then: finish the batch, flush, commit, close, exit 0)',
    )
    .option(
      '--processors <names>',
      `comma-separated processors to run (${PROCESSOR_NAMES.join(', ')}); default all`,
      parseProcessors,
    )
    .option(
      '--rules <file>',
      'an alert rules file; repeat for several (rule names unique across them) ' +
        '(default: processors/rules/default-rules.yaml; give it too to keep the shipped rules)',
      (file: string, files: string[] = []) => [...files, file],
    )
    .option(
      '--baseline <file>',
      'the baseline configuration (default: processors/baseline/default-baseline.yaml)',
    )
    .option(
      '--freshness <file>',
      'the freshness sources and cadences (default: processors/freshness/default-freshness.yaml)',
    )
    .option(
      '--connectors <file>',
      'the connectors file (connectors.yaml): each connector becomes the freshness source connector-<name> ' +
        'on ingest.runs, expected every `cadence` of its configuration',
    )
    .option(
      '--ranking <file>',
      'the precision@K configuration (default: processors/ranking/default-ranking.yaml)',
    )
    .option('--no-heartbeat', 'do not produce this instance’s heartbeat to the heartbeats topic')
    .option(
      '--instance-id <id>',
      'this instance’s id among the instances of each processor, its heartbeat source and transactional ids ' +
        '(default: the host name, stable across restarts; a second instance on the host takes <host>-2, ...; ' +
        'in a container give one, e.g. the pod name)',
    )
    .action(
      async (
        opts: {
          processors?: ProcessorName[];
          rules?: string[];
          connectors?: string;
          baseline?: string;
          freshness?: string;
          ranking?: string;
          heartbeat: boolean;
          instanceId?: string;
        },
        command: Command,
      ) => {
        const ctx = context(command);
        const names = opts.processors ?? [...PROCESSOR_NAMES];
        const connectors =
          opts.connectors === undefined ? undefined : await loadConnectorsConfig(opts.connectors);
        const running = await startPipeline(ctx, {
          processors: names,
          heartbeat: opts.heartbeat,
          ...(opts.rules ? { rulesFiles: opts.rules } : {}),
          ...(connectors ? { freshnessSources: connectorFreshnessSources(connectors) } : {}),
          ...(opts.baseline ? { baselineFile: opts.baseline } : {}),
          ...(opts.freshness ? { freshnessFile: opts.freshness } : {}),
          ...(opts.ranking ? { rankingFile: opts.ranking } : {}),
          ...(opts.instanceId ? { instanceId: opts.instanceId } : {}),
        });
        ctx.logger.info({ processors: names }, 'pipeline running; stop with Ctrl-C or SIGTERM');
        const stopped = new Promise<void>((resolve) =>
          ctx.signal.addEventListener('abort', () => resolve(), { once: true }),
        );
        // Runs until a signal, or until a runner can no longer make progress (then exit 1).
        await Promise.race([stopped, running.failed]);
        ctx.logger.info('stopping: finishing the batches in hand, flushing, committing');
      },
    );
}

function parseProcessors(raw: string): ProcessorName[] {
  const names = raw
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  const unknown = names.filter((n) => !(PROCESSOR_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0 || names.length === 0) {
    throw new InvalidArgumentError(
      `unknown processor(s) ${unknown.join(', ')}: choose from ${PROCESSOR_NAMES.join(', ')}`,
    );
  }
  return names as ProcessorName[];
}
