/**
 * The shape of `tradewatch status --json` (version 1): what the operator sees, part by part. Each part
 * is gathered on its own, with its own deadline; one that fails carries its error instead of its data,
 * and the others are still shown.
 *
 * Terminology:
 * - part: one section of the report (stack, processors, heartbeats, deadLetters, alerts, scheduler,
 *   dispatcher);
 * - lag: records of a group's input topics not yet committed by the group (end − committed, per
 *   partition; a partition the group never committed on counts from its first stored record);
 * - problem: a reason the system is not healthy (health.ts says which).
 */
import type { Severity } from '../../schemas/index.ts';

/** One part: its data, or why it could not be gathered (the error's code and message, no secrets). */
export type Part<T> =
  | { readonly ok: true; readonly tookMs: number; readonly data: T }
  | { readonly ok: false; readonly tookMs: number; readonly error: string };

/** Whether a service answered, and if not, why. */
export interface ServiceCheck {
  readonly ok: boolean;
  readonly error?: string;
}

export interface StackStatus {
  readonly kafka: ServiceCheck & { readonly brokers?: number; readonly controller?: number | null };
  readonly questdb: ServiceCheck;
  readonly postgres: ServiceCheck;
}

/** One instance (group member) of a processor. */
export interface InstanceStatus {
  readonly clientId: string;
  readonly host: string;
  /** Partitions assigned to it, over all its topics. */
  readonly partitions: number;
}

/** A processor's consumer group (or the dispatcher's). */
export interface ProcessorStatus {
  /** The processor's name (`dispatch` for `tradewatch notify`). */
  readonly name: string;
  readonly group: string;
  /** Kafka's group state (`Stable`, `Empty`, `Dead`: never ran or offsets expired, ...). */
  readonly state: string;
  /** Whether it is expected to run: named in `--processors`, or its group has offsets or members. */
  readonly deployed: boolean;
  readonly instances: readonly InstanceStatus[];
  /** Total lag over its input partitions. */
  readonly lag: number;
  /** Lag per input topic (physical name), topics with no lag included. */
  readonly topics: readonly { readonly topic: string; readonly partitions: number; readonly lag: number }[];
  /** When it last committed (epoch ms), from the commit metadata; null when unknown. */
  readonly lastCommitAt: number | null;
}

/** One long-running instance, by its last heartbeat. */
export interface HeartbeatStatus {
  readonly instance: string;
  /** `run`, `notify` or `schedule` (the `kind` label; `run` when absent). */
  readonly kind: string;
  readonly lastAt: number;
  /** `ok`; `missing` (no beat within the interval and its slack); `retired` (stopped on purpose). */
  readonly state: 'ok' | 'missing' | 'retired';
}

/** Records sent to `dlq` or `late` within the window, by source topic and error code. */
export interface SideOutputCount {
  readonly topic: 'dlq' | 'late';
  readonly source: string;
  readonly code: string;
  readonly count: number;
}

export interface DeadLetterStatus {
  /** Start of the window (epoch ms). */
  readonly since: number;
  readonly counts: readonly SideOutputCount[];
  /** More records than the read's bound in the window: the counts are of the newest only. */
  readonly truncated: boolean;
}

export interface AlertStatus {
  /** Firing alerts by severity, every severity listed. */
  readonly firing: Readonly<Record<Severity, number>>;
  /** The oldest firing alerts first, most severe first, at most 5. */
  readonly top: readonly {
    readonly severity: Severity;
    readonly rule: string;
    readonly env: string;
    readonly since: number;
    readonly summary: string;
  }[];
}

export interface SchedulerStatus {
  /** The next occurrence of each enabled job, soonest first. */
  readonly next: readonly { readonly job: string; readonly at: number }[];
  /** Runs that ended failed, timed_out or lost within the window, newest first. */
  readonly failures: readonly {
    readonly job: string;
    readonly scheduledAt: number;
    readonly state: string;
    readonly finishedAt: number;
    readonly error: string;
  }[];
}

export interface DispatcherStatus {
  /** Notifications not yet delivered. */
  readonly pending: number;
  /** Of those, the ones that failed at least once (retrying, or waiting for a receiver that is down). */
  readonly failing: number;
  /** When the oldest pending one was decided (epoch ms); null when none. */
  readonly oldestPendingAt: number | null;
  /** Notifications refused for good (sent to the fallback route) within the window. */
  readonly rejected: number;
}

/** Why the system is not healthy. */
export interface Problem {
  readonly part: keyof StatusParts;
  readonly message: string;
}

export interface StatusParts {
  readonly stack: Part<StackStatus>;
  readonly processors: Part<readonly ProcessorStatus[]>;
  readonly heartbeats: Part<readonly HeartbeatStatus[]>;
  readonly deadLetters: Part<DeadLetterStatus>;
  readonly alerts: Part<AlertStatus>;
  readonly scheduler: Part<SchedulerStatus>;
  readonly dispatcher: Part<DispatcherStatus>;
}

export interface StatusReport extends StatusParts {
  readonly version: 1;
  /** When it was gathered (epoch ms). */
  readonly at: number;
  /** TOPIC_PREFIX. */
  readonly topicPrefix: string;
  readonly healthy: boolean;
  readonly problems: readonly Problem[];
}
