/** The namespace: derived from TOPIC_PREFIX unless TW_NAMESPACE sets it; table and schema names. */
import { describe, expect, it } from 'vitest';
import { namespace, namespaceOfPrefix, resolveNamespace } from '../../core/namespace.ts';
import { loadConfig } from '../../runtime/config.ts';

describe('namespaces', () => {
  it('derives the namespace from TOPIC_PREFIX', () => {
    expect(namespaceOfPrefix('')).toBe('');
    expect(namespaceOfPrefix('demo.')).toBe('demo');
    expect(namespaceOfPrefix('Team-A.prod.')).toBe('team_a_prod');
    expect(namespaceOfPrefix('t-ns-mxc1-0a1b2c.')).toBe('t_ns_mxc1_0a1b2c');
    // Starts with a letter, at most 40 characters, whatever the prefix.
    expect(namespaceOfPrefix('2026.')).toBe('n2026');
    const long = namespaceOfPrefix(`${'9'.repeat(60)}.`);
    expect(long).toMatch(/^n9{39}$/);
    expect(() => namespace(long)).not.toThrow();
  });

  it('names QuestDB tables and the PostgreSQL schema', () => {
    const ns = resolveNamespace(undefined, 'staging.');
    expect(ns).toMatchObject({ name: 'staging', from: 'TOPIC_PREFIX', postgresSchema: 'tw_staging' });
    expect(ns.table('drawdown')).toBe('staging__drawdown');
    expect(ns.logicalTable('staging__drawdown')).toBe('drawdown');
    expect(ns.logicalTable('drawdown')).toBeUndefined();
    const plain = resolveNamespace(undefined, '');
    expect(plain).toMatchObject({ name: '', postgresSchema: 'public', tablePrefix: '' });
    expect(plain.table('drawdown')).toBe('drawdown');
    expect(plain.logicalTable('staging__drawdown')).toBeUndefined();
  });

  it('takes TW_NAMESPACE over the prefix, and refuses one that is not an identifier', () => {
    expect(loadConfig({}, { TOPIC_PREFIX: 'demo.', TW_NAMESPACE: 'prod' }).namespace.name).toBe('prod');
    expect(loadConfig({}, { TOPIC_PREFIX: 'demo.' }).namespace.table('alerts')).toBe('demo__alerts');
    expect(() => loadConfig({}, { TW_NAMESPACE: 'Prod-1' })).toThrow(
      /TW_NAMESPACE="Prod-1" is not a namespace: use lower-case letters, digits and _/,
    );
  });
});
