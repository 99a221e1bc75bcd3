/**
 * The schema registry: every record type's current schema and all its known versions, loaded from
 * the `.avsc` files, and a codec per record type.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DecodeError } from '../core/errors.ts';
import { RecordCodec } from './codec.ts';
import type { Codec } from './codec.ts';
import { displayPath } from '../core/display-path.ts';
import { loadSchemas } from './load-schemas.ts';
import { RECORD_TYPES } from './record-types.ts';
import type { RecordTypeName } from './record-types.ts';
import type { SchemaVersion } from './schema-version.ts';
import type { RecordTypes } from './types.generated.ts';
import { hexPreview, readHeader } from './wire.ts';

/** Where to load schemas from. */
export interface RegistryOptions {
  /** Folder holding `<record>.avsc` and `history/`. Default: the `schemas/` folder of this package. */
  schemasDir?: string;
  /** More folders of earlier versions (`<record>.v<N>.avsc`), besides `<schemasDir>/history`. Default: none. */
  extraHistoryDirs?: string[];
}

/** One version of a record type's schema, as listed by {@link SchemaRegistry.versions}. */
export interface VersionInfo {
  /** CRC-64-AVRO fingerprint, 16 hex characters as on the wire. */
  fingerprint: string;
  /** Path of the `.avsc` file. */
  file: string;
  /** Whether this is the current schema. */
  current: boolean;
}

/** The default schemas folder: the one this file is in. */
export const DEFAULT_SCHEMAS_DIR = fileURLToPath(new URL('.', import.meta.url));

/** All record types' schemas and codecs. Create with {@link SchemaRegistry.load}. */
export class SchemaRegistry {
  readonly #codecs: ReadonlyMap<RecordTypeName, RecordCodec<unknown>>;
  readonly #byFingerprint: ReadonlyMap<string, SchemaVersion>;
  readonly #versions: ReadonlyMap<RecordTypeName, readonly SchemaVersion[]>;

  private constructor(
    codecs: ReadonlyMap<RecordTypeName, RecordCodec<unknown>>,
    byFingerprint: ReadonlyMap<string, SchemaVersion>,
    versions: ReadonlyMap<RecordTypeName, readonly SchemaVersion[]>,
  ) {
    this.#codecs = codecs;
    this.#byFingerprint = byFingerprint;
    this.#versions = versions;
  }

  /**
   * Loads every current schema and every history version, checks that each history version can be
   * read by the current schema, and fingerprints them all. Throws a TradewatchError TW_SCHEMA_INVALID
   * listing every problem, each naming its file.
   */
  static async load(options: RegistryOptions = {}): Promise<SchemaRegistry> {
    const schemasDir = options.schemasDir ?? DEFAULT_SCHEMAS_DIR;
    const historyDirs = [
      { dir: join(schemasDir, 'history'), required: false },
      ...(options.extraHistoryDirs ?? []).map((dir) => ({ dir, required: true })),
    ];
    const loaded = await loadSchemas(schemasDir, historyDirs);
    const byFingerprint = new Map<string, SchemaVersion>();
    for (const list of loaded.versions.values()) for (const v of list) byFingerprint.set(v.fingerprint, v);
    const lookup = (fingerprint: string): SchemaVersion | undefined => byFingerprint.get(fingerprint);
    const codecs = new Map<RecordTypeName, RecordCodec<unknown>>();
    for (const name of RECORD_TYPES) {
      // loadSchemas throws unless every type loaded, so both lookups succeed.
      const current = loaded.current.get(name);
      const versions = loaded.versions.get(name);
      if (current === undefined || versions === undefined) throw new Error(`${name} did not load`);
      codecs.set(name, new RecordCodec<unknown>(current.version, current.model, versions, lookup));
    }
    return new SchemaRegistry(codecs, byFingerprint, loaded.versions);
  }

  /** The codec of one record type. */
  codec<N extends RecordTypeName>(name: N): Codec<RecordTypes[N]> {
    const codec = this.#codecs.get(name);
    if (codec === undefined) {
      throw new TypeError(`unknown record type ${JSON.stringify(name)}; known: ${RECORD_TYPES.join(', ')}`);
    }
    return codec as Codec<RecordTypes[N]>;
  }

  /**
   * Decodes any single-object-encoded bytes whose writer schema is known; resolves to the current
   * schema of that record type. Throws the DecodeErrors of {@link Codec.decode}.
   */
  decodeAny(bytes: Buffer): { type: RecordTypeName; value: unknown; writerFingerprint: string } {
    const fingerprint = readHeader(bytes);
    const version = this.#byFingerprint.get(fingerprint);
    if (version === undefined) {
      throw new DecodeError(
        'TW_DECODE_UNKNOWN_SCHEMA',
        `unknown writer schema fingerprint ${fingerprint}: no version of any record type (${RECORD_TYPES.join(', ')}) has it. If a producer uses a schema version we do not have, add that producer's .avsc to ${displayPath(join(DEFAULT_SCHEMAS_DIR, 'history'))} as <record>.v<N>.avsc (see schemas/README.md).`,
        { details: { fingerprint, firstBytes: hexPreview(bytes) } },
      );
    }
    const codec = this.#codecs.get(version.type) as RecordCodec<unknown>;
    return {
      type: version.type,
      value: codec.decodeWith(fingerprint, bytes),
      writerFingerprint: fingerprint,
    };
  }

  /** Every known version of a record type's schema: the current one first, then history from the newest. */
  versions(name: RecordTypeName): VersionInfo[] {
    return (this.#versions.get(name) ?? []).map((v) => ({
      fingerprint: v.fingerprint,
      file: v.file,
      current: v.current,
    }));
  }
}
