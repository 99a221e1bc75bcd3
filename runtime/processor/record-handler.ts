/**
 * One consumed record through the processor: decoded as one of its input's types (or dead-lettered),
 * processed with its key's state, its outputs routed; a rejection goes to `dlq` (or `late`), a throw
 * of the processor (a bug) dead-letters the record rather than stall the partition on it.
 */
import { DecodeError, errorCode, toError } from '../../core/errors.ts';
import type { IncomingRecord } from '../kafka/index.ts';
import type { RecordTypeName, SchemaRegistry } from '../../schemas/index.ts';
import type { RunnerInput } from './changelogs.ts';
import type { Pending, RunnerOutputs } from './outputs.ts';
import type { RunnerContext } from './runner-context.ts';
import type { PartitionState } from './state-store.ts';
import {
  LATE_PREFIX,
  isRejection,
  type Output,
  type ProcessContext,
  type RecordSource,
  type SinkRow,
} from '../../processors/contract.ts';

/** Decodes a record as one of its input's types. */
function decode<In>(
  registry: SchemaRegistry,
  input: RunnerInput,
  value: Buffer,
): { type: RecordTypeName; value: In } {
  if (input.types.length === 1) {
    const type = input.types[0]!;
    return { type, value: registry.codec(type).decode(value) as In };
  }
  const decoded = registry.decodeAny(value);
  if (!input.types.includes(decoded.type)) {
    throw new DecodeError(
      'TW_DECODE_UNKNOWN_SCHEMA',
      `a ${decoded.type} record on ${input.physical}, which carries ${input.types.join(', ')} only`,
    );
  }
  return { type: decoded.type, value: decoded.value as In };
}

/** Runs one record through the processor, adding what it produces to `outgoing` and `rows`. */
export function handleRecord<In, State>(
  ctx: RunnerContext<In, State>,
  outputs: RunnerOutputs<In, State>,
  input: RunnerInput,
  record: IncomingRecord,
  store: PartitionState<State>,
  outgoing: Pending[],
  rows: SinkRow[],
): void {
  const { processor, registry, clock } = ctx.options;
  let decoded: { type: RecordTypeName; value: In };
  try {
    if (record.value === null) {
      throw new DecodeError('TW_DECODE_NOT_SINGLE_OBJECT', 'the record has no value (a tombstone)');
    }
    decoded = decode<In>(registry, input, record.value);
  } catch (error: unknown) {
    outgoing.push(outputs.deadLetter(record, errorCode(error), toError(error).message));
    return;
  }
  const emitted: Output[] = [];
  try {
    const source: RecordSource = {
      topic: input.topic,
      type: decoded.type,
      partition: record.partition,
      offset: record.offset,
      key: record.key === null ? null : record.key.toString('utf8'),
      timestamp: record.timestamp,
    };
    const value = decoded.value;
    const key = processor.key(value, source);
    const context: ProcessContext = {
      clock,
      logger: ctx.log,
      source,
      emit: (output) => void emitted.push(output),
    };
    const result = processor.process(
      value,
      store.get(key) ?? processor.initialState(key, value, source),
      context,
    );
    if (isRejection(result)) {
      if (result.reject.startsWith(LATE_PREFIX)) outgoing.push(outputs.late(record, result.reject));
      else outgoing.push(outputs.deadLetter(record, 'TW_RECORD_INVALID', result.reject));
      return;
    }
    store.set(key, result);
    for (const output of emitted) {
      if (output.kind === 'late') outgoing.push(outputs.late(record, output.reason));
      else outputs.route(output, outgoing, rows);
    }
  } catch (error: unknown) {
    // A processor is pure and tested: a throw is a bug. Dead-letter the record rather than stall the
    // partition on it forever, and say so loudly.
    ctx.log.error(
      { err: error, topic: record.topic, partition: record.partition, offset: record.offset },
      'the processor failed on a record; it was dead-lettered (a bug: please report it)',
    );
    outgoing.push(outputs.deadLetter(record, errorCode(error), toError(error).message));
  }
}
