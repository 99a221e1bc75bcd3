import { describe, expect, it } from 'vitest';
import {
  groupDeadLetters,
  planReplay,
  replayRecords,
  selectDeadLetters,
} from '../../../runtime/dlq/index.ts';
import { REPLAY_HEADERS, type DeadLetter } from '../../../topics/index.ts';

const letter = (
  offset: string,
  failedBy: string,
  failedAt: number,
  code = 'TW_RECORD_INVALID',
): DeadLetter => ({
  source: { topic: 'p.ingest.runs', partition: 1, offset },
  error: { code, message: `bad record at ${offset}` },
  failedAt,
  failedBy,
  key: Buffer.from('k'),
  value: Buffer.from('v'),
  headers: { trace: Buffer.from('t1') },
});

describe('the dead-letter log', () => {
  it('shows a record two processors dead-lettered as one entry with two failures', () => {
    const entries = groupDeadLetters([
      { letter: letter('7', 'rules', 20), dlq: { partition: 0, offset: '3' } },
      { letter: letter('5', 'freshness', 5, 'TW_DECODE_BODY_INVALID'), dlq: { partition: 2, offset: '0' } },
      { letter: letter('7', 'freshness', 10), dlq: { partition: 1, offset: '9' } },
    ]);
    expect(entries.map((e) => [e.id, e.failures.map((f) => f.failedBy)])).toEqual([
      ['p.ingest.runs:1:5', ['freshness']],
      ['p.ingest.runs:1:7', ['freshness', 'rules']],
    ]);
    expect(selectDeadLetters(entries, { code: 'TW_DECODE_BODY_INVALID' }).map((e) => e.id)).toEqual([
      'p.ingest.runs:1:5',
    ]);
    expect(selectDeadLetters(entries, { failedBy: 'rules', since: 6 }).map((e) => e.id)).toEqual([
      'p.ingest.runs:1:7',
    ]);
    expect(selectDeadLetters(entries, { until: 5 })).toEqual([]);
  });

  it('replays a record to its source partition, marked, with a copy for the replay log; refuses a second one', () => {
    const [entry] = groupDeadLetters([
      { letter: letter('7', 'rules', 20), dlq: { partition: 0, offset: '3' } },
    ]);
    const records = replayRecords([entry!], { replaysTopic: 'p.dlq.replays', now: 99, force: false });
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({ topic: 'p.ingest.runs', partition: 1, value: Buffer.from('v') });
    expect(records[0]!.headers).toMatchObject({
      trace: Buffer.from('t1'),
      [REPLAY_HEADERS.source]: 'p.ingest.runs:1:7',
      [REPLAY_HEADERS.at]: '99',
      [REPLAY_HEADERS.errorCode]: 'TW_RECORD_INVALID',
    });
    expect(records[1]).toMatchObject({ topic: 'p.dlq.replays', key: 'p.ingest.runs:1:7' });

    const replayed = groupDeadLetters(
      [{ letter: letter('7', 'rules', 20), dlq: { partition: 0, offset: '3' } }],
      new Map([['p.ingest.runs:1:7', [{ at: 99, forced: false }]]]),
    );
    expect(planReplay(replayed, false)).toMatchObject({ replay: [], refused: [{ id: 'p.ingest.runs:1:7' }] });
    expect(planReplay(replayed, true).replay).toHaveLength(1);
  });
});
