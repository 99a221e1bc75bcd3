import net from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * Polls `condition` until it returns true or `deadline` (epoch ms) passes; returns whether it became
 * true. Polling a condition with a deadline, never sleeping a fixed time, is how the stack waits for
 * processes it does not control. `abort`, when it returns a value, ends the wait early (e.g. the
 * process exited) and that value is rethrown by the caller's logic.
 */
export async function waitFor(
  condition: () => Promise<boolean>,
  options: { deadline: number; intervalMs?: number; abort?: () => boolean },
): Promise<boolean> {
  const intervalMs = options.intervalMs ?? 250;
  for (;;) {
    if (options.abort?.() === true) return false;
    if (await condition()) return true;
    const left = options.deadline - Date.now();
    if (left <= 0) return false;
    await delay(Math.min(intervalMs, left));
  }
}

/** Whether something accepts TCP connections on `host:port` within `timeoutMs`. */
export function tcpAccepts(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Whether `host:port` can be bound now, i.e. nobody listens there. Binding (not connecting) is the
 * test that matches what the service will do, and also catches a listener on 0.0.0.0 or on the
 * IPv4-mapped IPv6 address.
 */
export function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

/** Whether an HTTP GET of `url` answers 200 within `timeoutMs`. */
export async function httpOk(url: string, timeoutMs = 2000): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    // Refused, reset or timed out: the service does not answer (yet); the caller decides what that means.
    return false;
  }
}
