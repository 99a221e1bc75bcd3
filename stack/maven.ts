import { createHash, randomBytes } from 'node:crypto';
import { access, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TradewatchError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { exec, lastLines } from './exec.ts';
import { checkMaven } from './prerequisites.ts';

/** Name of the file, inside a resolved lib folder, that records what was resolved from which pom. */
export const STAMP_FILE = '.tradewatch-resolved.json';

interface Stamp {
  /** SHA-256 of the pom's bytes. */
  pomSha256: string;
  jars: string[];
}

export interface ResolveJarsOptions {
  /** The pom whose runtime dependencies are copied. */
  pomFile: string;
  /** Where the jars go; replaced as a whole when the pom changes. */
  outputDir: string;
  mavenCommand: string;
  logger: Logger;
  /** How long Maven may take (a cold download included), in ms. Default: 600000. */
  timeoutMs?: number;
}

/**
 * Copies the runtime classpath of `pomFile` into `outputDir` with `mvn dependency:copy-dependencies`,
 * unless a stamp there records the same pom content and every jar it lists is present. Maven writes
 * into a temporary sibling folder that is renamed into place, so an interrupted download never leaves
 * a half-filled classpath behind and two concurrent resolutions do not mix their files.
 */
export async function resolveJars(options: ResolveJarsOptions): Promise<{ jars: string[]; cached: boolean }> {
  const pomSha256 = createHash('sha256')
    .update(await readFile(options.pomFile))
    .digest('hex');
  const cached = await readValidStamp(options.outputDir, pomSha256);
  if (cached !== undefined) return { jars: cached.jars, cached: true };

  await checkMaven(options.mavenCommand);
  const log = options.logger.child({ pom: options.pomFile });
  const started = Date.now();
  log.info({ outputDir: options.outputDir }, 'resolving jars with Maven (first run downloads them)');
  const tmpDir = `${options.outputDir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await mkdir(path.dirname(options.outputDir), { recursive: true });
  try {
    const result = await exec(
      options.mavenCommand,
      [
        '-q',
        '-B',
        '-f',
        options.pomFile,
        'dependency:copy-dependencies',
        `-DoutputDirectory=${tmpDir}`,
        '-DincludeScope=runtime',
      ],
      { cwd: path.dirname(options.pomFile), timeoutMs: options.timeoutMs ?? 600_000 },
    );
    if (result.code !== 0) {
      const why = result.timedOut
        ? `did not finish in ${options.timeoutMs ?? 600_000} ms`
        : `exited with ${String(result.code)}`;
      throw new TradewatchError(
        'TW_STACK_RESOLVE_FAILED',
        `Maven ${why} while resolving ${options.pomFile}. Check the network access to Maven Central ` +
          `(or the proxy in ~/.m2/settings.xml); a resolution failure is cached by Maven, run ` +
          `\`mvn -U -f ${options.pomFile} dependency:copy-dependencies\` to retry it. Maven said:\n` +
          lastLines(`${result.stdout}\n${result.stderr}`, 30),
        { details: { pomFile: options.pomFile, exitCode: result.code } },
      );
    }
    const jars = (await readdir(tmpDir)).filter((f) => f.endsWith('.jar')).sort();
    if (jars.length === 0) {
      throw new TradewatchError(
        'TW_STACK_RESOLVE_FAILED',
        `Maven resolved no jars from ${options.pomFile}.`,
        {
          details: { pomFile: options.pomFile },
        },
      );
    }
    const stamp: Stamp = { pomSha256, jars };
    await writeFile(path.join(tmpDir, STAMP_FILE), `${JSON.stringify(stamp, null, 2)}\n`);
    await rm(options.outputDir, { recursive: true, force: true });
    try {
      await rename(tmpDir, options.outputDir);
    } catch (e: unknown) {
      // Another resolution renamed its folder into place first: use it if it is complete.
      const theirs = await readValidStamp(options.outputDir, pomSha256);
      if (theirs === undefined) throw e;
    }
    log.info({ jars: jars.length, ms: Date.now() - started }, 'jars resolved');
    return { jars, cached: false };
  } catch (e: unknown) {
    if (e instanceof TradewatchError) throw e;
    throw new TradewatchError(
      'TW_STACK_RESOLVE_FAILED',
      `Could not resolve ${options.pomFile}: ${String(e)}`,
      {
        cause: e,
        details: { pomFile: options.pomFile },
      },
    );
  } finally {
    await rm(tmpDir, { recursive: true, force: true });
  }
}

async function readValidStamp(dir: string, pomSha256: string): Promise<Stamp | undefined> {
  let stamp: Stamp;
  try {
    stamp = JSON.parse(await readFile(path.join(dir, STAMP_FILE), 'utf8')) as Stamp;
  } catch {
    return undefined;
  }
  if (stamp.pomSha256 !== pomSha256 || !Array.isArray(stamp.jars) || stamp.jars.length === 0)
    return undefined;
  try {
    await Promise.all(stamp.jars.map((jar) => access(path.join(dir, jar))));
  } catch {
    return undefined;
  }
  return stamp;
}

/**
 * The value of `<name>` in the `<properties>` of a pom, e.g. the pinned upstream version. The poms are
 * ours and simple, so a pattern is enough; it throws when the property is missing.
 */
export async function pomProperty(pomFile: string, name: string): Promise<string> {
  const text = await readFile(pomFile, 'utf8');
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`<${escaped}>\\s*([^<\\s]+)\\s*</${escaped}>`).exec(text);
  if (match?.[1] === undefined) {
    throw new TradewatchError('TW_INTERNAL', `${pomFile} has no <${name}> property.`);
  }
  return match[1];
}
