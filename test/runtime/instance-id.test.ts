import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { claimInstanceId } from '../../runtime/instance-id.ts';
import { uniqueName } from '../helpers/unique.ts';

describe('default instance ids', () => {
  it('is the host name, stable across restarts; a second live instance on the host takes <host>-2', () => {
    const scope = `${uniqueName('id')}.`;
    const first = claimInstanceId('run', scope, 'vm-1');
    onTestFinished(() => first.release());
    expect(first.id).toBe('vm-1');
    const second = claimInstanceId('run', scope, 'vm-1');
    expect(second.id).toBe('vm-1-2');
    // Another kind or another environment (scope) does not share ids.
    const notify = claimInstanceId('notify', scope, 'vm-1');
    expect(notify.id).toBe('vm-1');
    notify.release();
    second.release();
    second.release(); // idempotent
    expect(claimInstanceId('run', scope, 'vm-1').id).toBe('vm-1-2');
  });

  it('takes over the lock of an instance that crashed', () => {
    const scope = `${uniqueName('id')}.`;
    // A lock left by a process that is gone (pid 2^22 + 1 is above Linux's pid_max default).
    const dir = path.join(tmpdir(), 'tradewatch-instances');
    const first = claimInstanceId('run', scope, 'vm-2');
    first.release();
    writeFileSync(path.join(dir, `${scope}run.vm-2.lock`), String(2 ** 22 + 1));
    const claimed = claimInstanceId('run', scope, 'vm-2');
    onTestFinished(() => claimed.release());
    expect(claimed.id).toBe('vm-2');
  });
});
