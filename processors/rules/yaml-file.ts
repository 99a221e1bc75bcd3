export * from '../../runtime/yaml-file.ts';
