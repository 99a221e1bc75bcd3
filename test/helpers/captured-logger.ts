/** A logger whose lines (JSON, one per entry) are kept in memory for a test to read. */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../core/logger.ts';

export function capturedLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), lines };
}
