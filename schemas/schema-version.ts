/**
 * One version of a record type's schema: the current `.avsc`, or a published earlier one kept in a
 * history folder so that records written by old producers still decode.
 */
import type { Type } from 'avsc';
import type { BodyChecker } from './body-check.ts';
import type { RecordTypeName } from './record-types.ts';

/** avsc's resolver from a writer schema to a reader schema (its class is not exported). */
export type Resolver = ReturnType<Type['createResolver']>;

/** One known writer schema. */
export interface SchemaVersion {
  readonly type: RecordTypeName;
  /** Path of the `.avsc` file. */
  readonly file: string;
  /** CRC-64-AVRO fingerprint of its canonical form, 16 hex characters as on the wire. */
  readonly fingerprint: string;
  /** Whether this is the current schema (`schemas/<name>.avsc`). */
  readonly current: boolean;
  /** N of a history file `<name>.v<N>.avsc`; undefined for the current schema. */
  readonly version: number | undefined;
  /** The schema as an avsc type, for reading what it wrote. */
  readonly avroType: Type;
  /** Reads this version's bodies as the current schema; undefined for the current schema itself. */
  readonly resolver: Resolver | undefined;
  /** Bounds-checks bodies before avsc reads them; undefined when the schema has no arrays or maps. */
  readonly bodyChecker: BodyChecker | undefined;
}
