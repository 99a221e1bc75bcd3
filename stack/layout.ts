import path from 'node:path';
import type { ServiceName } from './types.ts';

/** Absolute paths of everything the stack owns. */
export interface StackLayout {
  /** The stack dir itself. */
  readonly root: string;
  /** Resolved jars, one folder per service. */
  readonly libDir: string;
  /** Generated configuration (rewritten on every `up()`). */
  readonly confDir: string;
  readonly dataDir: string;
  readonly logsDir: string;
  /** Pid files. */
  readonly runDir: string;
}

/**
 * Computes the layout. `dir` and `libDir` are resolved against `cwd` when relative; `libDir` defaults
 * to `<dir>/lib`.
 */
export function stackLayout(
  dir: string,
  libDir: string | undefined,
  cwd: string = process.cwd(),
): StackLayout {
  const root = path.resolve(cwd, dir);
  return {
    root,
    libDir: libDir === undefined ? path.join(root, 'lib') : path.resolve(cwd, libDir),
    confDir: path.join(root, 'conf'),
    dataDir: path.join(root, 'data'),
    logsDir: path.join(root, 'logs'),
    runDir: path.join(root, 'run'),
  };
}

/** The per-service paths inside a layout. */
export interface ServicePaths {
  readonly libDir: string;
  readonly dataDir: string;
  readonly logFile: string;
  readonly pidFile: string;
}

export function servicePaths(layout: StackLayout, name: ServiceName): ServicePaths {
  return {
    libDir: path.join(layout.libDir, name),
    dataDir: path.join(layout.dataDir, name),
    logFile: path.join(layout.logsDir, `${name}.log`),
    pidFile: path.join(layout.runDir, `${name}.pid`),
  };
}
