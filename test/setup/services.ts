/** What the global set-up hands to every test file (through vitest's provide/inject). */
export interface TestServices {
  /** Where the services came from: the environment, Testcontainers, or the local stack (stack/). */
  readonly source: 'environment' | 'testcontainers' | 'local-stack';
  readonly kafkaBrokers: string[];
  readonly questdbHttpUrl: string;
  readonly questdbPgUrl: string;
  readonly databaseUrl: string;
  /** Where the local stack keeps its jars (so stack tests share the cache). */
  readonly stackLibDir: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    services: TestServices;
  }
}
