import type { Logger } from '../core/logger.ts';
import type { ServicePaths } from './layout.ts';
import type { ServiceName } from './types.ts';

/** One port a service listens on, with the variable that changes it (named in port-conflict errors). */
export interface PortSpec {
  /** What the port is for, e.g. `client`, `controller`, `http`. */
  readonly role: string;
  readonly port: number;
  /** The environment variable that sets it, e.g. `TW_STACK_KAFKA_PORT`. */
  readonly variable: string;
}

/** How to start and probe one service; the lifecycle around it is {@link LocalStack}'s. */
export interface StackService {
  readonly name: ServiceName;
  /** The pom that pins the service's jars. */
  readonly pomFile: string;
  /** The pom property that holds the upstream version. */
  readonly versionProperty: string;
  readonly paths: ServicePaths;
  readonly ports: readonly PortSpec[];
  readonly endpoints: Readonly<Record<string, string>>;
  /** Strings that the service's command line always contains: how a reused pid is told apart. */
  readonly markers: readonly string[];
  /** Writes the configuration and prepares the data directory; runs before every start. */
  prepare(context: { javaCommand: string; logger: Logger; timeoutMs: number }): Promise<void>;
  /** The JVM arguments that run the service in the foreground. */
  javaArgs(): string[];
  /** Environment of the service's process, derived from ours. */
  environment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** One quick probe: does the service answer its clients now? Never throws. */
  answers(): Promise<boolean>;
  /**
   * After the first answer of a fresh start: waits until the service is fully usable (e.g. Kafka's
   * group and transaction coordinators are loaded). Throws when `deadline` (epoch ms) passes.
   */
  settle(deadline: number, logger: Logger): Promise<void>;
}
