/**
 * `connector-run`: runs the named connectors of a connectors file once per occurrence, through the
 * same code as `tradewatch connectors run --once` (connectors/README.md): signals on `signals`, one
 * IngestRun per connector on `ingest.runs`, data-quality metrics on `metrics`, the connector store in
 * PostgreSQL (checkpoints, raw cache, budget) under this environment's schema. The file is read at
 * each run, so editing it changes the next run. The attempt fails (and the job's retry policy
 * applies: a retry resumes from the checkpoints) when a connector's run failed or was partial.
 */
import { z } from 'zod';
import { ConnectorStore, loadConnectorsConfig, runConnectorsOnce } from '../../connectors/index.ts';
import type { JobTemplate } from './types.ts';

const params = z.strictObject({
  config: z
    .string()
    .min(1)
    .default('connectors.yaml')
    .describe('Path of the connectors file, relative to the scheduler’s working directory'),
  connectors: z
    .array(z.string().min(1))
    .default([])
    .describe('The connectors of the file to run, in file order (default: all of them)'),
});
export type ConnectorRunParams = z.infer<typeof params>;

export const connectorRun: JobTemplate<ConnectorRunParams> = {
  name: 'connector-run',
  description:
    'Runs connectors of a connectors file once (as `connectors run --once`): signals, IngestRuns, quality metrics.',
  params,
  async run(p, context) {
    const { outputs, logger } = context;
    const config = await loadConnectorsConfig(p.config);
    const postgres = outputs.postgres();
    const store = new ConnectorStore({ url: postgres.url, schema: postgres.schema, logger });
    try {
      await store.start();
      const summaries = await runConnectorsOnce(config, p.connectors, {
        store,
        producer: await outputs.producer(),
        registry: outputs.registry,
        topicPrefix: outputs.topicPrefix,
        clock: { now: () => context.now() },
        logger,
        signal: context.signal,
        environment: outputs.environment,
      });
      const failed = summaries.filter((s) => s.status !== 'success');
      if (failed.length > 0) {
        throw new Error(
          failed
            .map(
              (s) =>
                `connector ${s.connector} run ${s.runId}: ${s.status}: ${s.error ?? 'no error recorded'}`,
            )
            .join('; '),
        );
      }
      return {
        connectors: summaries.map((s) => s.connector).join(','),
        runs: summaries.length,
        rows: summaries.reduce((n, s) => n + s.rows, 0),
        requests: summaries.reduce((n, s) => n + s.requests, 0),
        flagged: summaries.reduce((n, s) => n + s.flagged, 0),
      };
    } finally {
      await store.close();
    }
  },
};
