/**
 * The default id of a long-running tradewatch process (`run`, `notify`, `schedule run`): the host name,
 * stable across restarts, so a restarted instance is the same heartbeat source (no false "stopped"
 * alert) and the same transactional id (it fences its predecessor's open transaction at once). Several
 * processes of one kind on one host take `<host>`, `<host>-2`, `<host>-3`... in the order they start:
 * each holds a lock file naming its pid, and a lock whose process is gone is taken over. In a container
 * the host name is the container's, new with each container: give `--instance-id` (e.g. the pod name of
 * a StatefulSet) there.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';

/** Where the locks are: one folder per machine user, below the system's temporary folder. */
const LOCK_DIR = path.join(tmpdir(), 'tradewatch-instances');

/** Whether process `pid` is alive on this host. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e: unknown) {
    // EPERM: it exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface InstanceIdLock {
  /** The id: `<host>` or `<host>-<n>`. */
  readonly id: string;
  /** Gives the id back (removes the lock file); idempotent. */
  release(): void;
}

/**
 * The first free id of `kind` (e.g. `run`) under `scope` (the TOPIC_PREFIX: environments on one host
 * do not share ids) on this host, locked until {@link InstanceIdLock.release} or the process ends.
 */
export function claimInstanceId(kind: string, scope: string, host: string = hostname()): InstanceIdLock {
  mkdirSync(LOCK_DIR, { recursive: true });
  const safe = (text: string) => text.replace(/[^A-Za-z0-9._-]/g, '_');
  for (let n = 1; ; n++) {
    const id = n === 1 ? host : `${host}-${n}`;
    const file = path.join(LOCK_DIR, `${safe(scope)}${safe(kind)}.${safe(id)}.lock`);
    if (take(file)) {
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        rmSync(file, { force: true });
        process.removeListener('exit', release);
      };
      process.on('exit', release);
      return { id, release };
    }
  }
}

/** Creates `file` holding our pid, or takes it over from a process that is gone; false when held. */
function take(file: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return true;
    } catch (e: unknown) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holder = Number.NaN;
    try {
      holder = Number(readFileSync(file, 'utf8'));
    } catch {
      // Removed meanwhile: try again.
    }
    if (Number.isSafeInteger(holder) && holder > 0 && alive(holder)) return false;
    // A stale lock (its process crashed): remove it and try once more; a racing process may win.
    rmSync(file, { force: true });
  }
  return false;
}
