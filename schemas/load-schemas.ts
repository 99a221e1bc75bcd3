/**
 * Reads the schema files: the current `.avsc` of every record type and every earlier version in the
 * history folders, checks them, and fingerprints them. Every problem in every file is collected and
 * reported in one TW_SCHEMA_INVALID error, so one run shows everything to fix.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import avsc from 'avsc';
import type { Type } from 'avsc';
import { TradewatchError, toError } from '../core/errors.ts';
import { compileBodyChecker, hasBlocks } from './body-check.ts';
import { canonicalForm } from './canonical-form.ts';
import { displayPath } from '../core/display-path.ts';
import { EXACT_LONG } from './long-type.ts';
import { fingerprintHex } from './rabin.ts';
import { NAMESPACE, RECORD_TYPES, fileStem } from './record-types.ts';
import type { RecordTypeName } from './record-types.ts';
import { buildModel, namedTypes } from './schema-model.ts';
import type { RecordNode, SchemaNode } from './schema-model.ts';
import type { SchemaVersion } from './schema-version.ts';

/** The current schema of one record type, with its model. */
export interface CurrentSchema {
  readonly version: SchemaVersion;
  readonly model: RecordNode;
}

/** Everything loaded: the current schemas, and every version (current ones included). */
export interface LoadedSchemas {
  readonly current: ReadonlyMap<RecordTypeName, CurrentSchema>;
  /** Per type: current first, then history versions from the newest. */
  readonly versions: ReadonlyMap<RecordTypeName, readonly SchemaVersion[]>;
}

/** A folder of earlier versions; `required` folders must exist (the default one may be absent). */
export interface HistoryDir {
  readonly dir: string;
  readonly required: boolean;
}

const HISTORY_FILE = /^([a-z0-9]+(?:-[a-z0-9]+)*)\.v([1-9][0-9]*)\.avsc$/;

/** Loads and checks all schemas; throws TW_SCHEMA_INVALID listing every problem. */
export async function loadSchemas(
  schemasDir: string,
  historyDirs: readonly HistoryDir[],
): Promise<LoadedSchemas> {
  const problems: string[] = [];
  const files = new Set<string>();
  const problem = (file: string, message: string): void => {
    files.add(file);
    problems.push(`${displayPath(file)}: ${message}`);
  };

  const current = new Map<RecordTypeName, CurrentSchema>();
  await Promise.all(
    RECORD_TYPES.map(async (name) => {
      const file = join(schemasDir, `${fileStem(name)}.avsc`);
      const loaded = await loadCurrent(name, file, problem);
      if (loaded !== undefined) current.set(name, loaded);
    }),
  );
  checkSharedTypes(current, problem);

  const history = (await Promise.all(historyDirs.map((h) => loadHistoryDir(h, current, problem)))).flat();
  const versions = new Map<RecordTypeName, SchemaVersion[]>();
  const owners = new Map<string, SchemaVersion>();
  for (const name of RECORD_TYPES) {
    const schema = current.get(name);
    if (schema === undefined) continue;
    versions.set(name, [schema.version]);
    owners.set(schema.version.fingerprint, schema.version);
  }
  history.sort((a, b) => (b.version ?? 0) - (a.version ?? 0));
  for (const version of history) {
    const owner = owners.get(version.fingerprint);
    if (owner !== undefined) {
      // The same canonical form twice: harmless (docs changed), unless it claims another type.
      if (owner.type !== version.type) {
        problem(version.file, `has the same fingerprint as ${displayPath(owner.file)}, a ${owner.type}`);
      }
      continue;
    }
    const list = versions.get(version.type) ?? [];
    const clash = list.find((v) => v.version === version.version);
    if (clash !== undefined) {
      problem(
        version.file,
        `is version ${version.version} of ${version.type}, and so is ${displayPath(clash.file)}, which differs`,
      );
      continue;
    }
    list.push(version);
    owners.set(version.fingerprint, version);
  }

  if (problems.length > 0) {
    throw new TradewatchError(
      'TW_SCHEMA_INVALID',
      `schemas are invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}\nFix the files above; the rules are in schemas/README.md.`,
      { details: { problems, files: [...files] } },
    );
  }
  return { current, versions };
}

type ProblemSink = (file: string, message: string) => void;

async function readJson(file: string, problem: ProblemSink, missing: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e: unknown) {
    const code = (e as { code?: unknown }).code;
    problem(file, code === 'ENOENT' ? missing : `cannot be read: ${toError(e).message}`);
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e: unknown) {
    problem(file, `is not valid JSON: ${toError(e).message}`);
    return undefined;
  }
}

/** Builds the avsc type of a schema as the codec uses it: every long is {@link EXACT_LONG}. */
function buildAvroType(json: unknown): Type {
  // No logical types are registered: a timestamp-millis reads and writes as the plain long it is.
  return avsc.Type.forSchema(json as Parameters<typeof avsc.Type.forSchema>[0], {
    omitRecordMethods: true,
    wrapUnions: 'auto',
    // `registry` replaces the long named by reference ("long"); avsc builds a long written as an
    // object ({"type": "long", "logicalType": "timestamp-millis"}) itself, so the hook replaces those.
    registry: { long: EXACT_LONG },
    typeHook: (schema) => (isLongSchema(schema) ? EXACT_LONG : undefined),
  });
}

function isLongSchema(schema: unknown): boolean {
  return typeof schema === 'object' && schema !== null && (schema as { type?: unknown }).type === 'long';
}

function avroType(file: string, json: unknown, problem: ProblemSink): Type | undefined {
  try {
    return buildAvroType(json);
  } catch (e: unknown) {
    problem(file, `is not a valid Avro schema: ${toError(e).message}`);
    return undefined;
  }
}

function fingerprintOf(file: string, json: unknown, problem: ProblemSink): string | undefined {
  try {
    return fingerprintHex(canonicalForm(json));
  } catch (e: unknown) {
    problem(file, `has no canonical form: ${toError(e).message}`);
    return undefined;
  }
}

async function loadCurrent(
  name: RecordTypeName,
  file: string,
  problem: ProblemSink,
): Promise<CurrentSchema | undefined> {
  const json = await readJson(file, problem, `is missing: record type ${name} needs its schema in this file`);
  if (json === undefined) return undefined;
  const type = avroType(file, json, problem);
  if (type === undefined) return undefined;
  let model: RecordNode;
  try {
    model = buildModel(json);
  } catch (e: unknown) {
    problem(file, `uses what the tradewatch codec does not support: ${toError(e).message}`);
    return undefined;
  }
  const expected = `${NAMESPACE}.${name}`;
  if (model.fullName !== expected) {
    problem(file, `defines ${model.fullName}; this file must define the record ${expected}`);
    return undefined;
  }
  const fingerprint = fingerprintOf(file, json, problem);
  if (fingerprint === undefined) return undefined;
  const version: SchemaVersion = {
    type: name,
    file,
    fingerprint,
    current: true,
    version: undefined,
    avroType: type,
    resolver: undefined,
    bodyChecker: hasBlocks(type) ? compileBodyChecker(type) : undefined,
  };
  return { version, model };
}

/** A named type must mean the same in every file that defines it (each file is self-contained). */
function checkSharedTypes(current: ReadonlyMap<RecordTypeName, CurrentSchema>, problem: ProblemSink): void {
  const seen = new Map<string, { signature: string; file: string }>();
  for (const { version, model } of current.values()) {
    for (const named of namedTypes(model)) {
      const signature = signatureOf(named, true);
      const first = seen.get(named.fullName);
      if (first === undefined) {
        seen.set(named.fullName, { signature, file: version.file });
      } else if (first.signature !== signature) {
        problem(
          version.file,
          `defines ${named.fullName} differently from ${displayPath(first.file)} (${signature} vs ${first.signature}); a shared type must be identical in every file`,
        );
      }
    }
  }
}

function signatureOf(node: SchemaNode, expand = false): string {
  switch (node.kind) {
    case 'enum':
      return expand ? `enum ${node.fullName} {${node.symbols.join(', ')}}` : node.fullName;
    case 'record':
      return expand
        ? `record ${node.fullName} {${node.fields.map((f) => `${f.name}: ${signatureOf(f.type)}`).join(', ')}}`
        : node.fullName;
    case 'array':
      return `array<${signatureOf(node.items)}>`;
    case 'map':
      return `map<${signatureOf(node.values)}>`;
    case 'optional':
      return `${signatureOf(node.type)}?`;
    default:
      return node.kind;
  }
}

async function loadHistoryDir(
  history: HistoryDir,
  current: ReadonlyMap<RecordTypeName, CurrentSchema>,
  problem: ProblemSink,
): Promise<SchemaVersion[]> {
  let entries: string[];
  try {
    entries = (await readdir(history.dir, { withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => e.name);
  } catch (e: unknown) {
    if (!history.required && (e as { code?: unknown }).code === 'ENOENT') return [];
    problem(history.dir, `cannot be listed as a history folder: ${toError(e).message}`);
    return [];
  }
  const byStem = new Map<string, RecordTypeName>(RECORD_TYPES.map((name) => [fileStem(name), name]));
  const loaded = await Promise.all(
    entries
      .filter((entry) => !entry.endsWith('.md'))
      .sort()
      .map(async (entry): Promise<SchemaVersion | undefined> => {
        const file = join(history.dir, entry);
        const match = HISTORY_FILE.exec(entry);
        const name = match === null ? undefined : byStem.get(match[1] ?? '');
        if (match === null || name === undefined) {
          problem(
            file,
            `is not named <record>.v<N>.avsc for a known record (${[...byStem.keys()].join(', ')})`,
          );
          return undefined;
        }
        const json = await readJson(file, problem, 'disappeared while loading');
        if (json === undefined) return undefined;
        const type = avroType(file, json, problem);
        const fingerprint = fingerprintOf(file, json, problem);
        const reader = current.get(name);
        if (type === undefined || fingerprint === undefined || reader === undefined) return undefined;
        let resolver;
        try {
          resolver = reader.version.avroType.createResolver(type);
        } catch (e: unknown) {
          problem(
            file,
            `cannot be read by the current schema ${displayPath(reader.version.file)}: ${toError(e).message}. Records written with a published version must stay readable: only add fields with defaults, never rename or retype (schemas/README.md).`,
          );
          return undefined;
        }
        return {
          type: name,
          file,
          fingerprint,
          current: false,
          version: Number(match[2]),
          avroType: type,
          resolver,
          bodyChecker: hasBlocks(type) ? compileBodyChecker(type) : undefined,
        };
      }),
  );
  return loaded.filter((v): v is SchemaVersion => v !== undefined);
}
