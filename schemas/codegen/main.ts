/**
 * Writes `schemas/types.generated.ts` from the `.avsc` files. Run after changing a schema:
 * `npx node schemas/codegen/main.ts` (or `npm run schemas:types`).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_SCHEMAS_DIR } from '../registry.ts';
import { GENERATED_FILE, generateTypes } from './generate.ts';

const target = join(DEFAULT_SCHEMAS_DIR, GENERATED_FILE);
await writeFile(target, await generateTypes(DEFAULT_SCHEMAS_DIR));
process.stdout.write(`wrote ${target}\n`);
