import type { z } from 'zod';
import type { Logger } from '../../core/logger.ts';
import type { StoredJob } from '../types.ts';
import type { SchedulerOutputs } from '../outputs.ts';

/** What a template's run gets besides its parameters. */
export interface TemplateContext {
  /** The job being run (its id, env, schedule...). */
  readonly job: StoredJob;
  /** The occurrence: the time the run is for (a report's day, a window's end are derived from it). */
  readonly scheduledAt: number;
  /** The scheduler's clock (virtual in tests). */
  now(): number;
  /** Aborted when the attempt times out or the scheduler stops: stop early. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /** QuestDB reads and writes, metric points, Kafka records. */
  readonly outputs: SchedulerOutputs;
}

/** What a template reports on success (shown in `schedule history`, sent in JobRun.summary). */
export type TemplateSummary = Readonly<Record<string, string | number | boolean>>;

/** A kind of job: parameters with a schema, and the code that runs an occurrence. */
export interface JobTemplate<P = unknown> {
  /** kebab-case name, used in job definitions. */
  readonly name: string;
  /** One line for `schedule templates` and the README. */
  readonly description: string;
  /**
   * The parameters, as a strict zod object (unknown keys rejected) with defaults and a `describe()`d
   * field each: validation errors and the list of accepted parameters are derived from it.
   */
  readonly params: z.ZodType<P>;
  /** Runs one occurrence; throws to fail the attempt (the retry policy applies). */
  run(params: P, context: TemplateContext): Promise<TemplateSummary>;
}

/** Templates by name. */
export type TemplateRegistry = ReadonlyMap<string, JobTemplate>;
