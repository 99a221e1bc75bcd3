/**
 * Where a run's code came from, for the manifest: the git commit and whether the tree was dirty, the
 * lockfile's digest, Node's and tradewatch's versions.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

export interface Provenance {
  readonly code: { readonly commit: string | null; readonly dirty: boolean };
  readonly lockfileDigest: string;
  readonly node: string;
  readonly tradewatch: string;
}

async function git(args: readonly string[]): Promise<string | null> {
  try {
    return (await run('git', [...args], { cwd: ROOT })).stdout.trim();
  } catch {
    return null;
  }
}

export async function provenance(): Promise<Provenance> {
  const commit = await git(['rev-parse', 'HEAD']);
  const status =
    commit === null ? '' : ((await git(['status', '--porcelain', '--untracked-files=no'])) ?? '');
  const lock = await readFile(new URL('../package-lock.json', import.meta.url)).catch(() => Buffer.alloc(0));
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
    version?: string;
  };
  return {
    code: { commit, dirty: status !== '' },
    lockfileDigest: createHash('sha256').update(lock).digest('hex'),
    node: process.version,
    tradewatch: pkg.version ?? '0.0.0',
  };
}
