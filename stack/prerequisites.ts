import { TradewatchError } from '../core/errors.ts';
import { exec } from './exec.ts';

/** The oldest Java the stack runs on: Kafka 4.x brokers need 17, and QuestDB 9.3.4 is built for 17. */
export const MIN_JAVA_MAJOR = 17;

/**
 * Checks that `java` runs and is {@link MIN_JAVA_MAJOR} or newer; returns its major version.
 * Throws TW_PREREQUISITE_MISSING saying how to install it.
 */
export async function checkJava(javaCommand: string): Promise<number> {
  const howTo =
    `Install a JDK or JRE ${MIN_JAVA_MAJOR} or newer (e.g. \`sudo apt-get install openjdk-17-jre-headless\`, ` +
    `or Temurin from https://adoptium.net) and make sure \`${javaCommand}\` is on PATH.`;
  let output: string;
  try {
    const result = await exec(javaCommand, ['-version'], { timeoutMs: 30_000 });
    if (result.code !== 0) throw new Error(`exit code ${String(result.code)}: ${result.stderr.trim()}`);
    output = result.stderr + result.stdout;
  } catch (e: unknown) {
    throw new TradewatchError('TW_PREREQUISITE_MISSING', `\`${javaCommand} -version\` failed. ${howTo}`, {
      cause: e,
      details: { tool: 'java', command: javaCommand },
    });
  }
  // `openjdk version "17.0.15"`, `java version "1.8.0_392"`, `openjdk version "25" 2025-09-16`.
  const match = /version "(\d+)(?:\.(\d+))?/.exec(output);
  const first = Number(match?.[1] ?? 0);
  const major = first === 1 ? Number(match?.[2] ?? 0) : first;
  if (major < MIN_JAVA_MAJOR) {
    throw new TradewatchError(
      'TW_PREREQUISITE_MISSING',
      `\`${javaCommand}\` is Java ${major === 0 ? '(unknown version)' : String(major)}, the local stack needs ${MIN_JAVA_MAJOR} or newer. ${howTo}`,
      { details: { tool: 'java', command: javaCommand, output: output.trim() } },
    );
  }
  return major;
}

/** Checks that Maven runs. Throws TW_PREREQUISITE_MISSING saying how to install it. */
export async function checkMaven(mavenCommand: string): Promise<void> {
  try {
    const result = await exec(mavenCommand, ['-v', '-B'], { timeoutMs: 60_000 });
    if (result.code !== 0) throw new Error(`exit code ${String(result.code)}: ${result.stdout.trim()}`);
  } catch (e: unknown) {
    throw new TradewatchError(
      'TW_PREREQUISITE_MISSING',
      `\`${mavenCommand} -v\` failed: Maven is needed once, to download the Kafka and QuestDB jars. ` +
        `Install it (e.g. \`sudo apt-get install maven\`, or https://maven.apache.org/install.html) and make sure \`${mavenCommand}\` is on PATH.`,
      { cause: e, details: { tool: 'mvn', command: mavenCommand } },
    );
  }
}
