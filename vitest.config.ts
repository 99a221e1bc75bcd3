import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/global-setup.ts'],
    // Integration tests talk to real Kafka and QuestDB: generous, but each test waits on conditions.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
    // Two cores: files run two at a time; each uses its own topics (unique TOPIC_PREFIX).
    maxWorkers: 2,
    // kafkajs 2.2.4 sets a negative timer delay on Node 24 (kafkajs issue #1751): harmless, but noisy.
    execArgv: ['--disable-warning=TimeoutNegativeWarning'],
  },
});
