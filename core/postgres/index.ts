export { PostgresPool, type PostgresPoolOptions } from './pool.ts';
export { applyMigrations, readMigrations, type Migration, type MigrationSet } from './migrations.ts';
