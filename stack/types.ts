/**
 * Terms used across `stack/`:
 * - **stack dir**: where the local stack keeps everything it owns (`.stack/` by default): `lib/` (jars
 *   resolved by Maven), `conf/` (generated configuration), `data/<service>/`, `logs/<service>.log`,
 *   `run/<service>.pid`.
 * - **service**: one JVM process of the stack (`kafka`: one KRaft node, broker and controller in one;
 *   `questdb`: the QuestDB server).
 * - **running**: the process recorded in its pid file is alive, is that service, and answers.
 * - **starting**: alive, not answering yet, and started less than the start timeout ago.
 * - **unhealthy**: alive, started longer ago than the start timeout, and not answering.
 * - **stopped**: no pid file, or a stale one (the process is gone or the pid now belongs to another
 *   program).
 */
import type { Logger } from '../core/logger.ts';
import type { StackConfig } from '../runtime/config.ts';

/** The services of the local stack, in start order. */
export const SERVICE_NAMES = ['kafka', 'questdb'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export const SERVICE_STATES = ['running', 'stopped', 'starting', 'unhealthy'] as const;
export type ServiceState = (typeof SERVICE_STATES)[number];

/** What `status()` knows about one service. */
export interface ServiceStatus {
  name: ServiceName;
  state: ServiceState;
  /** The process id, when a live process of this service is recorded. */
  pid?: number;
  /** The upstream version, as pinned in `stack/maven/<service>/pom.xml`. */
  version: string;
  /** Where clients connect, by role (e.g. `bootstrap`, `http`, `pg`). No credentials. */
  endpoints: Record<string, string>;
  /** Absolute path of the service's log (its standard output and error). */
  logFile: string;
  /** Absolute path of the service's data directory. */
  dataDir: string;
}

export interface StackStatus {
  services: ServiceStatus[];
  /** True when every service is `running`. */
  healthy: boolean;
}

/** Options of {@link LocalStack}: the stack part of the configuration plus what only code can give. */
export interface LocalStackOptions extends StackConfig {
  /** Logger; the stack logs through a child named `stack`. */
  logger: Logger;
  /**
   * The repository root, where `stack/maven/<service>/pom.xml` lives.
   * Default: found from this module's location (the parent of `stack/`).
   */
  projectRoot?: string;
  /**
   * Where resolved jars go (`<libDir>/<service>/`). Relative paths are resolved against the working
   * directory. Default: `<dir>/lib`. Tests point it at the repository's `.stack/lib` so that the jars
   * are downloaded once.
   */
  libDir?: string;
  /** The `java` executable (17 or newer). Default: `java`, found on `PATH`. */
  javaCommand?: string;
  /** The `mvn` executable. Default: `mvn`, found on `PATH`. */
  mavenCommand?: string;
}
