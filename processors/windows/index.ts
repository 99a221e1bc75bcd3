export * from './windows.ts';
