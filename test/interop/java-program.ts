/**
 * Builds and runs the Java side of the interop test (java/, a command-line wrapper around Apache Avro
 * for Java): `mvn package` puts the classes in java/target/classes and the jars in java/target/lib.
 * Processes are spawned with argument arrays, never through a shell.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Maven project. */
export const JAVA_DIR = fileURLToPath(new URL('java/', import.meta.url));
const MAIN_CLASS = 'tradewatch.interop.AvroInterop';
const CLASSPATH = [path.join(JAVA_DIR, 'target', 'classes'), path.join(JAVA_DIR, 'target', 'lib', '*')].join(
  path.delimiter,
);
// A short-lived JVM: C1 only starts faster and is plenty for a few records.
const JVM_OPTIONS = ['-XX:TieredStopAtLevel=1'];
const RUN_TIMEOUT_MS = 30_000;

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `command` with `input` on stdin; rejects only if it cannot start or runs out of time. */
function run(
  command: string,
  args: readonly string[],
  options: { input?: string; timeoutMs: number; cwd?: string },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = {
        code,
        signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      };
      if (timedOut) {
        reject(
          new Error(
            `${command} ${args.join(' ')} did not finish in ${options.timeoutMs} ms\n${result.stderr}`,
          ),
        );
      } else {
        resolve(result);
      }
    });
    // If the process exits before reading all input, its exit status tells what went wrong.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

/** Checks that `command` runs; a missing one fails with what to install rather than a bare ENOENT. */
async function requireTool(command: string, versionArgs: readonly string[]): Promise<void> {
  let result: RunResult;
  try {
    result = await run(command, versionArgs, { timeoutMs: 60_000 });
  } catch (e: unknown) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(
      `${missing ? `\`${command}\` was not found on PATH` : `\`${command}\` could not be started`}: the ` +
        'Java interop test (test/interop) needs Java 17+ (`java`) and Maven 3.8+ (`mvn`) to build its ' +
        'reference program with Apache Avro for Java. CI has both; locally install them ' +
        '(e.g. `apt-get install openjdk-17-jdk-headless maven`).',
      { cause: e },
    );
  }
  if (result.code !== 0) {
    throw new Error(
      `\`${command} ${versionArgs.join(' ')}\` failed (exit ${result.code}):\n${result.stderr}`,
    );
  }
}

/** Builds the Java program with Maven (Maven caches dependencies in ~/.m2 and skips up-to-date steps). */
export async function buildJavaProgram(timeoutMs: number): Promise<JavaAvro> {
  await requireTool('java', ['-version']);
  await requireTool('mvn', ['-v']);
  const args = ['-B', '-q', '-Dstyle.color=never', '-f', path.join(JAVA_DIR, 'pom.xml'), 'package'];
  const result = await run('mvn', args, { cwd: JAVA_DIR, timeoutMs });
  if (result.code !== 0) {
    throw new Error(
      `building the Java interop program failed: mvn ${args.join(' ')} exited with ${result.code}\n` +
        `${result.stdout}\n${result.stderr}`,
    );
  }
  return new JavaAvro();
}

/** The Java program's commands (see AvroInterop.java). */
export class JavaAvro {
  async #call(args: readonly string[], input?: string): Promise<string[]> {
    const all = [...JVM_OPTIONS, '-cp', CLASSPATH, MAIN_CLASS, ...args];
    const result = await run('java', all, { input, timeoutMs: RUN_TIMEOUT_MS });
    if (result.code !== 0) {
      throw new Error(
        `Apache Avro (Java) ${args.join(' ')} failed with exit ${result.code}:\n${result.stderr}`,
      );
    }
    return result.stdout.split('\n').filter((line) => line !== '');
  }

  /** The schema's fingerprint as on the wire (16 hex characters) and its Parsing Canonical Form. */
  async fingerprint(schemaFile: string): Promise<{ fingerprint: string; canonicalForm: string }> {
    const [fingerprint, canonicalForm, ...rest] = await this.#call(['fingerprint', schemaFile]);
    if (fingerprint === undefined || canonicalForm === undefined || rest.length > 0) {
      throw new Error(`unexpected output of fingerprint ${schemaFile}`);
    }
    return { fingerprint, canonicalForm };
  }

  /** Single-object encodes records given as Avro JSON text, one per element. */
  async encode(schemaFile: string, avroJsonLines: readonly string[]): Promise<Buffer[]> {
    const lines = await this.#call(['encode', schemaFile], avroJsonLines.map((l) => `${l}\n`).join(''));
    expectCount(lines, avroJsonLines.length, 'encode');
    return lines.map((line) => Buffer.from(line, 'base64'));
  }

  /**
   * Decodes single-object-encoded messages, resolving them to `readerFile`; the decoder also knows the
   * `writerFiles`. Returns each record in Avro JSON, parsed.
   */
  async decode(
    readerFile: string,
    messages: readonly Buffer[],
    writerFiles: readonly string[] = [],
  ): Promise<unknown[]> {
    const input = messages.map((m) => `${m.toString('base64')}\n`).join('');
    const lines = await this.#call(['decode', readerFile, ...writerFiles], input);
    expectCount(lines, messages.length, 'decode');
    return lines.map((line) => JSON.parse(line) as unknown);
  }
}

function expectCount(lines: readonly string[], expected: number, command: string): void {
  if (lines.length !== expected) {
    throw new Error(`Apache Avro (Java) ${command} gave ${lines.length} lines for ${expected} inputs`);
  }
}
