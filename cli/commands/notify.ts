/**
 * `tradewatch notify`: the long-running alert dispatcher (sinks/dispatch/): consumes `alerts`, decides
 * from PostgreSQL (DATABASE_URL) and the routing file which receivers get what, and delivers through
 * the notifiers of the notifiers file. Stops cleanly on SIGINT/SIGTERM (the batch in hand is finished
 * and committed). Exit 0 on a clean stop, 2 on an invalid file, 1 otherwise.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { systemClock } from '../../core/clock.ts';
import {
  DEFAULT_ROUTING_FILE,
  DispatchStore,
  adaptDefaultRouting,
  checkReceivers,
  loadRouting,
} from '../../sinks/dispatch/index.ts';
import { DispatchRunner } from '../../runtime/dispatch/dispatch-runner.ts';
import { createNotifiers, loadNotifiersConfig } from '../../sinks/notifiers/index.ts';
import { RETIRED_TOPICS, physicalName } from '../../topics/index.ts';
import type { CliContext } from '../context.ts';
import { startHeartbeat } from '../heartbeat.ts';
import { claimInstanceId } from '../../runtime/instance-id.ts';

type Context = (c: Command) => CliContext;

export function registerNotifyCommand(program: Command, context: Context): void {
  program
    .command('notify')
    .description(
      'run the alert dispatcher: routing, repeat suppression, re-notification, acks, silences and ' +
        'inhibition (state in PostgreSQL at DATABASE_URL), delivering through the notifiers',
    )
    .requiredOption('--notifiers <file>', 'the notifiers file (sinks/notifiers/example-notifiers.yaml)')
    .option('--routing <file>', 'the routing file', DEFAULT_ROUTING_FILE)
    .option(
      '--from-beginning',
      'a new dispatcher group decides the whole stored history (default: the alerts firing now, then the next ones)',
    )
    .action(async (flags: { notifiers: string; routing: string; fromBeginning?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      // Secrets are `{ env: NAME }` in the notifiers file: the entry point hands over the environment.
      const notifiersConfig = await loadNotifiersConfig(flags.notifiers, process.env);
      const names = notifiersConfig.notifiers.map((n) => n.name);
      let routing = await loadRouting(flags.routing);
      if (path.resolve(flags.routing) === path.resolve(DEFAULT_ROUTING_FILE)) {
        // The shipped routing starts with whichever notifiers the team has (default-routing.ts).
        const adapted = adaptDefaultRouting(routing, names);
        routing = adapted.routing;
        if (adapted.changes.length > 0) {
          ctx.logger.warn(
            { changes: adapted.changes },
            `the shipped routing names notifiers your notifiers file does not have; it uses those present: ${adapted.changes.join('; ')}. Give --routing <file> to route as you choose.`,
          );
        }
      } else checkReceivers(routing, names);
      const notifiers = createNotifiers(notifiersConfig, { logger: ctx.logger });
      ctx.onClose(() => notifiers.close());
      const store = new DispatchStore({
        url: ctx.config.postgres.url,
        logger: ctx.logger,
        schema: ctx.config.namespace.postgresSchema,
      });
      ctx.onClose(() => store.close());
      await store.start();
      const runner = await DispatchRunner.start({
        kafka: ctx.kafka(),
        store,
        routing,
        notifiers: notifiers.all,
        fallbackOf: (name) => notifiers.fallbackOf(name),
        logger: ctx.logger,
        topicPrefix: ctx.config.kafka.topicPrefix,
        delivery: notifiersConfig.delivery,
        fromBeginning: flags.fromBeginning === true,
        firingMaxAgeMs: ctx.config.notifyMaxAgeMs,
        clock: systemClock,
      });
      ctx.onClose(() => runner.close());
      ctx.logger.info(
        { group: runner.groupId, routing: routing.file, receivers: [...notifiers.all.keys()] },
        'dispatcher running',
      );
      process.stdout.write(`dispatcher running (group ${runner.groupId})\n`);
      // Stable across restarts on this host (runtime/instance-id.ts): a restart is not a stopped instance.
      const prefix = ctx.config.kafka.topicPrefix;
      const claimed = claimInstanceId('notify', prefix);
      ctx.onClose(() => Promise.resolve(claimed.release()));
      await startHeartbeat(ctx, { kind: 'notify', instance: claimed.id, topicPrefix: prefix });
      await warnOfRetiredTopics(ctx);
      if (!ctx.signal.aborted) {
        await new Promise<void>((resolve) =>
          ctx.signal.addEventListener('abort', () => resolve(), { once: true }),
        );
      }
      ctx.logger.info(runner.stats(), 'dispatcher stopping');
    });
}

/** Says once which topics of an earlier version's delivery are still on the cluster and may go. */
async function warnOfRetiredTopics(ctx: CliContext): Promise<void> {
  const admin = await ctx.kafka().admin();
  try {
    const prefix = ctx.config.kafka.topicPrefix;
    const present = new Set(await admin.listTopics());
    for (const retired of RETIRED_TOPICS) {
      const name = physicalName(retired.name, prefix);
      if (!present.has(name)) continue;
      ctx.logger.warn(
        { topic: name },
        `${name} is no longer used (${retired.why}); once you no longer need its records, delete it: ` +
          `kafka-topics --bootstrap-server <brokers> --delete --topic ${name}`,
      );
    }
  } finally {
    await admin.close();
  }
}
