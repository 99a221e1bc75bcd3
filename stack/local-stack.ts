import { SerialQueue } from '../core/serial-queue.ts';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TradewatchError, toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { portIsFree, waitFor } from './health.ts';
import { kafkaService } from './kafka-service.ts';
import { servicePaths, stackLayout, type StackLayout } from './layout.ts';
import { pomProperty, resolveJars } from './maven.ts';
import { checkJava } from './prerequisites.ts';
import {
  appendLogMarker,
  fileSize,
  pidFileTime,
  pidState,
  readPidFile,
  removePidFile,
  spawnDetached,
  tailLines,
  terminate,
} from './process-control.ts';
import { questdbService } from './questdb-service.ts';
import type { StackService } from './service.ts';
import type { LocalStackOptions, ServiceStatus, StackStatus } from './types.ts';

const HOST = '127.0.0.1';
/** Lines of a service's log quoted in a start failure. */
const LOG_TAIL_LINES = 20;
/** After SIGKILL, how long a process may take to disappear before `down()` gives up, in ms. */
const KILL_WAIT_MS = 5000;
/** How long `down()` waits for a stopped service's ports to be free, in ms. */
const PORT_RELEASE_MS = 10_000;

/** The repository root: `stack/` is one level below it. */
const DEFAULT_PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Options after defaults, frozen. */
interface CompiledOptions {
  readonly startTimeoutMs: number;
  readonly stopTimeoutMs: number;
  readonly javaCommand: string;
  readonly mavenCommand: string;
}

/**
 * The local Kafka and QuestDB, run from jars that Maven resolves, for the demo and the tests.
 * Processes are detached: they outlive the process that started them, and any later `LocalStack` on
 * the same stack dir finds them through their pid files.
 *
 * Calls on one instance run one after another (an `up()` and a `down()` never interleave).
 */
export class LocalStack {
  readonly #log: Logger;
  readonly #options: CompiledOptions;
  readonly #layout: StackLayout;
  readonly #services: readonly StackService[];
  /** One operation (up, down, status) at a time. */
  readonly #operations = new SerialQueue();

  /** Computes paths and settings only: no I/O happens before `up()`, `down()` or `status()`. */
  constructor(options: LocalStackOptions) {
    this.#log = options.logger.child({ component: 'stack' });
    this.#options = Object.freeze({
      startTimeoutMs: options.startTimeoutMs,
      stopTimeoutMs: options.stopTimeoutMs,
      javaCommand: options.javaCommand ?? 'java',
      mavenCommand: options.mavenCommand ?? 'mvn',
    });
    const projectRoot = options.projectRoot ?? DEFAULT_PROJECT_ROOT;
    const pom = (name: string) => path.join(projectRoot, 'stack', 'maven', name, 'pom.xml');
    this.#layout = stackLayout(options.dir, options.libDir);
    this.#services = [
      kafkaService({
        layout: this.#layout,
        paths: servicePaths(this.#layout, 'kafka'),
        pomFile: pom('kafka'),
        kafkaPort: options.kafkaPort,
        kafkaControllerPort: options.kafkaControllerPort,
      }),
      questdbService({
        layout: this.#layout,
        paths: servicePaths(this.#layout, 'questdb'),
        pomFile: pom('questdb'),
        questdbHttpPort: options.questdbHttpPort,
        questdbPgPort: options.questdbPgPort,
        questdbIlpPort: options.questdbIlpPort,
        questdbMetricsPort: options.questdbMetricsPort,
      }),
    ];
  }

  /** The absolute stack dir. */
  get dir(): string {
    return this.#layout.root;
  }

  /**
   * Brings every service up and returns the status. Idempotent: resolves the jars (cached), writes
   * the configuration, formats Kafka's storage once, starts each service that is not already running
   * and waits until each answers. When a start fails, every service started by this call is stopped
   * again and TW_STACK_START_FAILED names the service, its log and the log's last lines.
   */
  up(): Promise<StackStatus> {
    return this.#serial(() => this.#up());
  }

  /**
   * Stops every service (SIGTERM, then SIGKILL after `stopTimeoutMs`), removes the pid files and checks
   * that the ports are free. Idempotent. Every service is stopped even when one fails; the first
   * failure is thrown (TW_STACK_STOP_FAILED).
   */
  down(): Promise<StackStatus> {
    return this.#serial(() => this.#down());
  }

  /** What runs now, probing each live service once. Changes nothing. */
  status(): Promise<StackStatus> {
    return this.#serial(() => this.#status());
  }

  #serial<T>(operation: () => Promise<T>): Promise<T> {
    return this.#operations.run(operation);
  }

  async #up(): Promise<StackStatus> {
    const started = Date.now();
    await checkJava(this.#options.javaCommand);
    const l = this.#layout;
    await Promise.all([l.confDir, l.dataDir, l.logsDir, l.runDir].map((d) => mkdir(d, { recursive: true })));

    // Find what already runs, clean stale pid files, and check every port before doing anything slow.
    const toStart: StackService[] = [];
    const alreadyRunning: { service: StackService; pid: number }[] = [];
    for (const service of this.#services) {
      const pid = await this.#livePid(service, { cleanStale: true });
      if (pid === undefined) toStart.push(service);
      else alreadyRunning.push({ service, pid });
    }
    for (const service of toStart) await this.#checkPortsFree(service);

    // Sequential: two Maven runs on one local repository can trip over each other.
    for (const service of toStart) {
      await resolveJars({
        pomFile: service.pomFile,
        outputDir: service.paths.libDir,
        mavenCommand: this.#options.mavenCommand,
        logger: this.#log,
      });
    }

    const results = await Promise.allSettled([
      ...toStart.map((service) => this.#start(service)),
      ...alreadyRunning.map(({ service, pid }) => this.#awaitRunning(service, pid)),
    ]);
    const failures = results.filter((r) => r.status === 'rejected').map((r) => toError(r.reason));
    if (failures[0] !== undefined) {
      // Leave nothing half-started: stop what this call started (what ran before is left alone).
      for (const service of toStart.toReversed()) {
        await this.#stop(service).catch((e: unknown) => {
          this.#log.error({ err: e, service: service.name }, 'could not stop a service after a failed start');
        });
      }
      for (const extra of failures.slice(1))
        this.#log.error({ err: extra }, 'another service failed to start');
      throw failures[0];
    }
    this.#log.info({ ms: Date.now() - started, started: toStart.map((s) => s.name) }, 'stack up');
    return this.#status();
  }

  /** The pid of a live process of `service`, or undefined; optionally removes a stale pid file. */
  async #livePid(service: StackService, options: { cleanStale: boolean }): Promise<number | undefined> {
    const pid = await readPidFile(service.paths.pidFile);
    if (pid === undefined) return undefined;
    const state = await pidState(pid, service.markers);
    if (state === 'alive') return pid;
    if (options.cleanStale) {
      this.#log.warn(
        { service: service.name, pid, pidFile: service.paths.pidFile, reason: state },
        state === 'gone'
          ? 'removing a stale pid file: the process is gone'
          : 'removing a stale pid file: the pid now belongs to another program',
      );
      await removePidFile(service.paths.pidFile);
    }
    return undefined;
  }

  async #checkPortsFree(service: StackService): Promise<void> {
    for (const { role, port, variable } of service.ports) {
      if (!(await portIsFree(HOST, port))) {
        throw new TradewatchError(
          'TW_STACK_START_FAILED',
          `Cannot start ${service.name}: port ${port} (${service.name} ${role} port) on ${HOST} is already in use by another program. ` +
            `Stop that program (\`ss -ltnp 'sport = :${port}'\` shows which), or give ${service.name} another port with ${variable}=<port>.`,
          { details: { service: service.name, port, role, variable } },
        );
      }
    }
  }

  async #start(service: StackService): Promise<void> {
    const log = this.#log.child({ service: service.name });
    const startedAt = Date.now();
    const deadline = startedAt + this.#options.startTimeoutMs;
    const { logFile, pidFile } = service.paths;
    await appendLogMarker(logFile, `starting ${service.name}`);
    const logOffset = await fileSize(logFile);
    const failed = async (why: string, cause?: unknown): Promise<TradewatchError> => {
      const tail = await tailLines(logFile, LOG_TAIL_LINES, logOffset);
      return new TradewatchError(
        'TW_STACK_START_FAILED',
        `${service.name} did not start: ${why}. Log: ${logFile}` +
          (tail.length > 0 ? `\nLast ${tail.length} lines of the log:\n${tail.join('\n')}` : ' (empty)'),
        { cause, details: { service: service.name, logFile } },
      );
    };

    try {
      await service.prepare({
        javaCommand: this.#options.javaCommand,
        logger: log,
        timeoutMs: this.#options.startTimeoutMs,
      });
    } catch (e: unknown) {
      if (e instanceof TradewatchError) throw e;
      throw await failed(`preparing its configuration failed (${toError(e).message})`, e);
    }
    const child = await spawnDetached({
      command: this.#options.javaCommand,
      args: service.javaArgs(),
      cwd: this.#layout.root,
      logFile,
      pidFile,
      env: service.environment(process.env),
    });
    log.info({ pid: child.pid, logFile }, 'started, waiting until it answers');

    const exitedEarly = () => child.exit() !== undefined;
    const answered = await waitFor(() => service.answers(), {
      deadline,
      intervalMs: 250,
      abort: exitedEarly,
    });
    let error: TradewatchError | undefined;
    if (!answered) {
      const exit = child.exit();
      error = await failed(
        exit !== undefined
          ? `the process exited (${exit.signal ?? `code ${String(exit.code)}`}) before it answered`
          : `it did not answer on ${Object.values(service.endpoints).join(', ')} within ${this.#options.startTimeoutMs} ms (TW_STACK_START_TIMEOUT_MS)`,
      );
    } else {
      try {
        await service.settle(deadline, log);
      } catch (e: unknown) {
        error = await failed(`it answered but did not become usable in time: ${toError(e).message}`, e);
      }
    }
    if (error !== undefined) {
      await this.#stop(service).catch((e: unknown) => {
        log.error({ err: e }, 'could not stop the half-started process');
      });
      throw error;
    }
    log.info({ pid: child.pid, ms: Date.now() - startedAt }, 'answers');
  }

  /** A service that was already running: wait (up to the start timeout) until it answers. */
  async #awaitRunning(service: StackService, pid: number): Promise<void> {
    const ok = await waitFor(() => service.answers(), {
      deadline: Date.now() + this.#options.startTimeoutMs,
    });
    if (!ok) {
      const tail = await tailLines(service.paths.logFile, LOG_TAIL_LINES);
      throw new TradewatchError(
        'TW_STACK_START_FAILED',
        `${service.name} runs (pid ${pid}) but did not answer within ${this.#options.startTimeoutMs} ms. ` +
          `Run \`tradewatch stack down\` then \`up\` to restart it. Log: ${service.paths.logFile}\n` +
          `Last ${tail.length} lines of the log:\n${tail.join('\n')}`,
        { details: { service: service.name, pid, logFile: service.paths.logFile } },
      );
    }
  }

  async #down(): Promise<StackStatus> {
    let first: Error | undefined;
    // Reverse of start order: release resources in the order opposite to acquiring them.
    for (const service of this.#services.toReversed()) {
      try {
        await this.#stop(service);
      } catch (e: unknown) {
        this.#log.error({ err: e, service: service.name }, 'could not stop');
        first ??= toError(e);
      }
    }
    if (first !== undefined) throw first;
    return this.#status();
  }

  async #stop(service: StackService): Promise<void> {
    const log = this.#log.child({ service: service.name });
    const pid = await this.#livePid(service, { cleanStale: true });
    if (pid === undefined) {
      await removePidFile(service.paths.pidFile);
      return;
    }
    const startedAt = Date.now();
    const how = await terminate(pid, service.markers, {
      graceMs: this.#options.stopTimeoutMs,
      killMs: KILL_WAIT_MS,
    });
    if (how === 'alive') {
      throw new TradewatchError(
        'TW_STACK_STOP_FAILED',
        `${service.name} (pid ${pid}) survived SIGTERM and SIGKILL. Check \`ps -p ${pid}\`; its log is ${service.paths.logFile}.`,
        { details: { service: service.name, pid } },
      );
    }
    if (how === 'killed')
      log.warn({ pid, graceMs: this.#options.stopTimeoutMs }, 'did not stop on SIGTERM in time: killed');
    await removePidFile(service.paths.pidFile);
    for (const { port, role, variable } of service.ports) {
      const free = await waitFor(() => portIsFree(HOST, port), {
        deadline: Date.now() + PORT_RELEASE_MS,
        intervalMs: 100,
      });
      if (!free) {
        throw new TradewatchError(
          'TW_STACK_STOP_FAILED',
          `${service.name} stopped, but port ${port} (${role}, ${variable}) on ${HOST} is still in use: ` +
            `another program holds it (\`ss -ltnp 'sport = :${port}'\`).`,
          { details: { service: service.name, port, role, variable } },
        );
      }
    }
    log.info({ pid, ms: Date.now() - startedAt }, 'stopped');
  }

  async #status(): Promise<StackStatus> {
    const services = await Promise.all(this.#services.map((s) => this.#serviceStatus(s)));
    return { services, healthy: services.every((s) => s.state === 'running') };
  }

  async #serviceStatus(service: StackService): Promise<ServiceStatus> {
    const base = {
      name: service.name,
      version: await pomProperty(service.pomFile, service.versionProperty),
      endpoints: { ...service.endpoints },
      logFile: service.paths.logFile,
      dataDir: service.paths.dataDir,
    };
    const pid = await this.#livePid(service, { cleanStale: false });
    if (pid === undefined) return { ...base, state: 'stopped' };
    if (await service.answers()) return { ...base, state: 'running', pid };
    const startedAt = (await pidFileTime(service.paths.pidFile)) ?? 0;
    const state = Date.now() - startedAt < this.#options.startTimeoutMs ? 'starting' : 'unhealthy';
    return { ...base, state, pid };
  }
}
