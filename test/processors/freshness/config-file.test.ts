import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../core/errors.ts';
import {
  DEFAULT_FRESHNESS_FILE,
  createFreshnessProcessor,
  keyPattern,
  loadFreshnessOptions,
  matchesKey,
  parseFreshnessConfig,
  settingsFor,
} from '../../../processors/freshness/index.ts';
import { BASE_YAML, DAY, HOUR, MINUTE, SECOND, options } from './helpers.ts';

/** The problems of an invalid file, one string each. */
function problemsOf(yaml: string): string[] {
  try {
    parseFreshnessConfig(yaml, 'f.yaml');
  } catch (e: unknown) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).code).toBe('TW_CONFIG_INVALID');
    expect((e as ConfigError).message).toMatch(
      /^the freshness configuration f\.yaml \(format: processors\/freshness\/README\.md\) is invalid:\n/,
    );
    return [...(e as ConfigError).problems];
  }
  throw new Error('expected the file to be invalid');
}

describe('freshness configuration: the shipped file', () => {
  it('loads, and its processor reads every source topic', async () => {
    const loaded = await loadFreshnessOptions(DEFAULT_FRESHNESS_FILE);
    expect(loaded.file).toBe('processors/freshness/default-freshness.yaml');
    expect(loaded.heartbeatIntervalMs).toBe(5 * SECOND);
    expect(loaded.reportEveryMs).toBe(MINUTE);
    expect(createFreshnessProcessor(loaded).inputs.map((i) => i.topic)).toEqual([
      'inference.cycles',
      'ingest.runs',
      'signals',
      'heartbeats',
      'portfolio.marks',
    ]);
    const ingests = loaded.sources.find((s) => s.topic === 'ingest.runs')!;
    expect(settingsFor(loaded, ingests, 'coinmetrics-daily')).toMatchObject({
      cadenceMs: DAY,
      slackMs: 6 * HOUR,
    });
    expect(settingsFor(loaded, ingests, 'binance-klines')).toMatchObject({
      cadenceMs: HOUR,
      slackMs: 30 * MINUTE,
    });
    const heartbeats = loaded.sources.find((s) => s.topic === 'heartbeats')!;
    // Three missed beats: 5 s + 10 s.
    expect(settingsFor(loaded, heartbeats, 'host-1')).toMatchObject({
      cadenceMs: 5 * SECOND,
      slackMs: 10 * SECOND,
    });
  });

  it('says which file it could not read', async () => {
    await expect(loadFreshnessOptions('/nonexistent/freshness.yaml')).rejects.toThrow(
      /\/nonexistent\/freshness\.yaml: cannot read it: ENOENT.*the default configuration is processors\/freshness\/default-freshness\.yaml/s,
    );
  });
});

describe('freshness configuration: validation', () => {
  it('lists every problem in one error, in file order, with file:line:col, the field, what was found and what is accepted', () => {
    const problems = problemsOf(`version: 2
env: production
report_evry: 1m
sources:
  - topic: ingest.run
    cadence: 1h
    slack: 30m
  - topic: inference.cycles
    cadence: fast
    slak: 1m
    weights_max_age: 0
  - topic: signals
    cadence: 1h
    slack: 10m
    partial: failure
    forget_after: 30m
    overrides:
      - key: 'x-*'
      - key: { regex: '(' }
        cadence: 1m
      - key: 12
        slack: 1s
    ignore: [{ regex: 'a', in: [b] }]
  - topic: dlq
    cadence: 1m
    slack: 1m
  - topic: signals
    cadence: 1m
    slack: 1m
`);
    expect(problems).toEqual([
      'f.yaml:1:10: version: expected 1, found 2',
      'f.yaml:2:6: env: expected one of prod, staging, paper, found "production"',
      'f.yaml:3:1: report_evry: unknown key "report_evry" (did you mean "report_every"?); known keys: version, env, heartbeat_interval, report_every, sources',
      expect.stringMatching(
        /^f\.yaml:5:12: sources\[0\] \(ingest\.run\): topic: "ingest\.run" is not in the topic catalogue \(topics\/catalogue\.ts\) \(did you mean "ingest\.runs"\?\); topics freshness can watch: portfolio\.marks, .*heartbeats/,
      ),
      'f.yaml:8:5: sources[1] (inference.cycles): "slack" is missing (e.g. slack: 5m)',
      'f.yaml:9:14: sources[1] (inference.cycles): cadence: expected a positive duration (e.g. 30s, 15m, 2h, 1d) or heartbeat (the heartbeat interval), found "fast"',
      'f.yaml:10:5: sources[1] (inference.cycles): slak: unknown key "slak" (did you mean "slack"?); known keys: topic, env, cadence, slack, forget_after, weights_max_age, partial, overrides, ignore',
      'f.yaml:11:22: sources[1] (inference.cycles): weights_max_age: expected a positive duration (e.g. 30s, 15m, 2h, 7d) or never, found 0',
      'f.yaml:15:5: sources[2] (signals): partial: partial applies to topics of IngestRun records only (ingest.runs); this topic carries Signal',
      // 1 h + 10 min = 70 min.
      'f.yaml:16:19: sources[2] (signals): forget_after: 30m must be longer than cadence + slack (70m): a source is forgotten only after it went stale',
      'f.yaml:18:9: sources[2] (signals): overrides[0]: an override needs at least one setting: cadence, slack, forget_after, weights_max_age, partial',
      expect.stringMatching(
        /^f\.yaml:19:23: sources\[2\] \(signals\): overrides\[1\]: key: regex: "\(" is not a valid regular expression: /,
      ),
      "f.yaml:21:14: sources[2] (signals): overrides[2]: key: expected a key ('momentum'), a glob ('intraday-*', with * and ?) or { regex: '...' }, found 12: quote it ('12')",
      'f.yaml:23:14: sources[2] (signals): ignore[0]: expected a key (\'momentum\'), a glob (\'intraday-*\', with * and ?) or { regex: \'...\' }, found {"regex":"a","in":["b"]}',
      expect.stringMatching(
        /^f\.yaml:24:12: sources\[3\] \(dlq\): topic: dlq carries raw dead letters: freshness watches topics of one record type: /,
      ),
      'f.yaml:27:12: sources[4] (signals): topic: sources[2] already watches signals: list each topic once (use overrides for keys)',
    ]);
  });

  it('checks forget_after against the cadence and slack of every override, and weights_max_age by record type', () => {
    expect(
      problemsOf(`heartbeat_interval: 2s
sources:
  - topic: heartbeats
    cadence: heartbeat
    slack: 1s
    forget_after: 10s
    overrides:
      - key: slow
        cadence: 1m
  - topic: ingest.runs
    cadence: 1h
    slack: 0
    weights_max_age: 1d
`),
    ).toEqual([
      // 1 min + 1 s against 10 s, located at the override that makes it too short.
      'f.yaml:8:9: sources[0] (heartbeats): overrides[0]: forget_after 10s must be longer than cadence + slack (61s): a source is forgotten only after it went stale',
      'f.yaml:13:5: sources[1] (ingest.runs): weights_max_age: weights_max_age applies to topics of InferenceCycle records only (inference.cycles); this topic carries IngestRun',
    ]);
  });

  it('reports a YAML syntax error alone, an empty file and an empty source list', () => {
    expect(problemsOf('sources: [')).toEqual([expect.stringMatching(/^f\.yaml:1:11: YAML syntax error: /)]);
    expect(problemsOf('')).toEqual([
      'f.yaml:1:1: expected a mapping with a "sources:" list, found an empty file',
    ]);
    expect(problemsOf('sources: []')).toEqual([
      'f.yaml:1:10: sources: expected a non-empty list of source topics, found []',
    ]);
    expect(problemsOf('env: prod')).toEqual([
      'f.yaml:1:1: "sources:" is missing: expected a list of source topics (e.g. - topic: ingest.runs)',
    ]);
  });

  it('rejects options built in code that break the same rules', () => {
    const built = { ...options(BASE_YAML), heartbeatIntervalMs: MINUTE };
    // heartbeats: forget_after 1 min must exceed 1 min + 2 s.
    expect(() => createFreshnessProcessor(built)).toThrow(
      /source topic heartbeats: forget_after: 1m must be longer than cadence \+ slack \(62s\)/,
    );
    expect(() => createFreshnessProcessor({ ...options(BASE_YAML), sources: [] })).toThrow(ConfigError);
  });

  it('accepts never for report_every, forget_after and weights_max_age', () => {
    const parsed = options(`report_every: never
sources:
  - topic: inference.cycles
    cadence: 1m
    slack: 0
    forget_after: never
    weights_max_age: 7d
    overrides:
      - key: nn-*
        weights_max_age: never
`);
    expect(parsed.reportEveryMs).toBeNull();
    const [cycles] = parsed.sources;
    expect(settingsFor(parsed, cycles!, 'nn-1').weightsMaxAgeMs).toBeNull();
    expect(settingsFor(parsed, cycles!, 'momentum').weightsMaxAgeMs).toBe(7 * DAY);
  });
});

describe('freshness configuration: key patterns', () => {
  it('matches exact keys, globs (only * and ? are special) and anchored regexes', () => {
    expect(matchesKey(keyPattern('momentum'), 'momentum')).toBe(true);
    expect(matchesKey(keyPattern('momentum'), 'momentum-2')).toBe(false);
    expect(matchesKey(keyPattern('*-daily'), 'coinmetrics-daily')).toBe(true);
    expect(matchesKey(keyPattern('*-daily'), 'coinmetrics-daily-2')).toBe(false);
    expect(matchesKey(keyPattern('a.b?'), 'a.bc')).toBe(true);
    expect(matchesKey(keyPattern('a.b?'), 'axbc')).toBe(false);
    expect(matchesKey(keyPattern('(x)+*'), '(x)+1')).toBe(true);
  });
});
