/**
 * The JSON-file job store passes the same conformance suite as Postgres (for one scheduler instance on
 * one machine); its file survives a reopen, and a lock left by a dead process is taken over.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonFileJobStore } from '../../scheduler/json-file-store.ts';
import { T0, TemplateControl, jsonFileStore, testJob } from './helpers.ts';
import { describeStoreConformance } from './store-conformance.ts';

describeStoreConformance('json-file', () => jsonFileStore());

describe('json-file: the file', () => {
  it('keeps jobs across a reopen and says it is for one instance', async () => {
    const store = await jsonFileStore();
    const templates = new TemplateControl().templates();
    await store.createJob(testJob(templates, { id: 'j' }), T0);
    const file = path.join(
      path.dirname(store.location.startsWith('/') ? store.location : path.resolve(store.location)),
      'jobs.json',
    );
    const reopened = new JsonFileJobStore({ file });
    await reopened.start();
    expect((await reopened.listJobs()).map((j) => j.id)).toEqual(['j']);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({
      version: 1,
      about: expect.stringContaining('ONE scheduler instance') as string,
    });
  });

  it('takes over a lock file left by a dead process, and waits for a live one', async () => {
    const store = await jsonFileStore();
    const file = path.resolve(store.location);
    // A pid that no process has (the kernel's pid_max is far below this).
    await writeFile(`${file}.lock`, '2147483646');
    expect(await store.listJobs()).toEqual([]);
    await writeFile(`${file}.lock`, String(process.pid));
    const held = new JsonFileJobStore({ file, lockTimeoutMs: 50 });
    await expect(held.listJobs()).rejects.toMatchObject({ code: 'TW_TIMEOUT' });
  });
});
