/**
 * tradewatch ships kafkajs 2.2.4 with four patches (patches/kafkajs+2.2.4.patch, applied by
 * patch-package on `npm ci`/`npm install`; patches/README.md says what each does and what it bought).
 * kafkajs offers no extension point for its record encoding, so they change its code; this checks that
 * the installed copy carries them, so an install that skipped them (`--ignore-scripts`) is reported
 * rather than silently slower.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The marker each patched file carries. */
const MARKER = 'tradewatch patch (patches/README.md)';

/** The patched files, by what their patch does. */
const PATCHED_FILES = {
  'record grouping in one pass': ['kafkajs/src/producer/groupMessagesPerPartition.js'],
  'encoder: buffers not zero-filled, int32 varlongs as varints': ['kafkajs/src/protocol/encoder.js'],
  'CRC32C eight bytes at a time': ['kafkajs/src/protocol/recordBatch/crc32C/crc32C.js'],
  'records written straight into their batch, encoders sized to their contents': [
    'kafkajs/src/protocol/recordBatch/record/v0/index.js',
    'kafkajs/src/protocol/recordBatch/v0/index.js',
    'kafkajs/src/protocol/requests/produce/v3/request.js',
    'kafkajs/src/protocol/request.js',
  ],
} as const;

export interface KafkajsPatch {
  readonly name: keyof typeof PATCHED_FILES;
  readonly files: readonly string[];
  /** Whether every file of the patch carries the marker. */
  readonly applied: boolean;
}

/** Each patch, and whether the installed kafkajs carries it. */
export function kafkajsPatches(): KafkajsPatch[] {
  return Object.entries(PATCHED_FILES).map(([name, specifiers]) => {
    const files = specifiers.map((s) => require.resolve(s));
    return {
      name: name as keyof typeof PATCHED_FILES,
      files,
      applied: files.every((f) => readFileSync(f, 'utf8').includes(MARKER)),
    };
  });
}

/** The names of the patches the installed kafkajs lacks (empty when it carries them all). */
export function missingKafkajsPatches(): string[] {
  return kafkajsPatches()
    .filter((p) => !p.applied)
    .map((p) => p.name);
}
