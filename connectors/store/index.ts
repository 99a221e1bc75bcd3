export { ConnectorStore, bodyDigest, type ConnectorStoreOptions } from './connector-store.ts';
export { CONNECTOR_MIGRATIONS } from './migrations.ts';
export type * from './types.ts';
