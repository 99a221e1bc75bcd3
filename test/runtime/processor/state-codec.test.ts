/**
 * The changelog's state encoding: what a restore reads back is what a JSON round trip gives (the
 * semantics processors were written against), in under half the bytes of JSON for a drawdown state;
 * states written as JSON by earlier versions still restore.
 */
import { describe, expect, it } from 'vitest';
import { createDrawdownProcessor, type DrawdownState } from '../../../processors/drawdown/index.ts';
import type { PortfolioMark } from '../../../schemas/index.ts';
import { decodeState, encodeState } from '../../../runtime/processor/state-codec.ts';
import { PartitionState } from '../../../runtime/processor/state-store.ts';

const viaJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

/** A drawdown state after 2 hours of marks 10 s apart (a full window plus its grace). */
function drawdownState(): DrawdownState {
  const processor = createDrawdownProcessor();
  const source = {
    topic: 'portfolio.marks',
    type: 'PortfolioMark',
    partition: 0,
    offset: '0',
    key: 'p',
    timestamp: 0,
  } as const;
  const context = { clock: { now: () => 0 }, logger: undefined as never, source, emit: () => undefined };
  let state: DrawdownState | undefined;
  let equity = 1_000_000;
  for (let n = 0; n < 720; n += 1) {
    equity *= 1 + Math.sin(n * 12.9898) * 0.003;
    const mark: PortfolioMark = {
      portfolio: 'p',
      env: 'prod',
      ts: Date.UTC(2026, 0, 5, 23) + n * 10_000,
      equity,
      cash: null,
    };
    const next = processor.process(mark, state ?? processor.initialState('p', mark, source), context);
    if ('reject' in next) throw new Error(next.reject);
    state = next;
  }
  return state!;
}

describe('the state encoding', () => {
  it('reads back exactly what a JSON round trip gives, for every kind of value', () => {
    const values: unknown[] = [
      { a: 1, b: -2.5, c: 'text é 日本 🚀', d: true, e: false, f: null, g: undefined, h: () => 1 },
      [1, 'x', null, undefined, [2, 3], { y: [] }],
      [0, -0, 1.5, -1e-300, 2 ** 53 - 1, -(2 ** 53) + 1, 2 ** 60, Number.MAX_VALUE, Number.MIN_VALUE],
      [NaN, Infinity, -Infinity, -0],
      [
        [1, 2],
        [3, 4],
        [5, NaN],
      ],
      [
        [1.5, -0],
        [2 ** 53 - 1, -(2 ** 53) + 1],
        [0, 0.1],
      ],
      [
        [Date.UTC(2026, 0, 1), 1e6],
        [Date.UTC(2026, 0, 1) + 10_000, 1.0000001e6],
        [Date.UTC(2026, 0, 1) + 9_000, 3],
      ],
      [[]],
      [[1], [2, 3]],
      { ['__proto__']: { polluted: true }, constructor: 'c', 'with"quote': '\u0000' },
      {
        nested: {
          deeper: {
            deepest: [
              [1, 2, 3],
              [4, 5, 6],
            ],
          },
        },
      },
      [Array.from({ length: 3 }), new Array<number>(2)],
      'a string',
      42,
      -7.25,
      null,
      true,
      [],
      {},
    ];
    for (const value of values) {
      const decoded = decodeState(encodeState(value));
      expect(decoded).toStrictEqual(viaJson(value));
      // JSON's -0 is 0: Object.is tells them apart where toStrictEqual might not.
      expect(JSON.stringify(decoded)).toBe(JSON.stringify(viaJson(value)));
    }
    const proto = decodeState(encodeState(JSON.parse('{"__proto__":{"polluted":true}}'))) as object;
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(Object.keys(proto)).toEqual(['__proto__']);
  });

  it('writes what it cannot encode (toJSON, class instances) as JSON, and restores it the JSON way', () => {
    const dated = { at: new Date(Date.UTC(2026, 0, 1)), map: new Map([[1, 2]]) };
    const bytes = encodeState(dated);
    expect(bytes.toString('utf8')).toBe(JSON.stringify(dated));
    expect(decodeState(bytes)).toStrictEqual(viaJson(dated));
  });

  it('restores the JSON earlier versions wrote', () => {
    const state = drawdownState();
    expect(decodeState(Buffer.from(JSON.stringify(state), 'utf8'))).toStrictEqual(viaJson(state));
    const store = new PartitionState<DrawdownState>(0);
    store.restore('p', Buffer.from(JSON.stringify(state), 'utf8'));
    expect(store.get('p')).toStrictEqual(viaJson(state));
  });

  it('encodes a drawdown state in under half the bytes of its JSON, and the store round-trips it', () => {
    const state = drawdownState();
    const bytes = encodeState(state);
    const json = Buffer.byteLength(JSON.stringify(state));
    expect(bytes.length).toBeLessThan(json / 2);
    expect(decodeState(bytes)).toStrictEqual(viaJson(state));
    const writer = new PartitionState<DrawdownState>(0);
    writer.set('p', state);
    const [change] = writer.takeChanges();
    expect(change?.value).toEqual(bytes);
    const reader = new PartitionState<DrawdownState>(0);
    reader.restore('p', change!.value);
    expect(reader.get('p')).toStrictEqual(viaJson(state));
  });

  it('refuses bytes that are not a state with a clear error', () => {
    expect(() => decodeState(Buffer.from([0xf1, 0x63]))).toThrow(
      /not a tradewatch state: unknown tag 99 at byte 1/,
    );
  });
});
