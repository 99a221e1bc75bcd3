import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { redactUrl } from '../../core/redact.ts';
import { createLogger } from '../../core/logger.ts';

describe('secrets', () => {
  it('hides passwords and token-like query parameters in URLs', () => {
    expect(redactUrl('postgres://admin:quest@127.0.0.1:8812/qdb')).toBe(
      'postgres://admin:***@127.0.0.1:8812/qdb',
    );
    expect(redactUrl('https://hooks.example/x?token=abc&channel=ops')).toBe(
      'https://hooks.example/x?token=***&channel=ops',
    );
    expect(redactUrl('not a url user:pw@host')).toBe('not a url user:pw@host');
    expect(redactUrl('//bob:hunter2@host/x')).not.toContain('hunter2');
  });

  it('keeps secret fields out of log lines', () => {
    let out = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        out += chunk.toString('utf8');
        done();
      },
    });
    const log = createLogger({ destination: sink });
    log.info({ webhookUrl: 'https://hooks.slack.com/services/T/B/secret', config: { password: 'pw' } }, 'x');
    expect(out).toContain('"webhookUrl":"***"');
    expect(out).toContain('"password":"***"');
    expect(out).not.toContain('secret');
  });
});
