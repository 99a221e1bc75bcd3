/**
 * Configuration files: one loader (strict zod schema → every problem located at once, JSON Schema for
 * editors), the duration field, and the YAML document with node positions.
 */
export { defineConfigFile, fieldPath, type ConfigFile, type ConfigFileSpec } from './config-file.ts';
export {
  crossCheck,
  duration,
  durationOrNever,
  reportTo,
  shownAs,
  type DurationFieldOptions,
  type Report,
} from './fields.ts';
export { defaultMessage, problemsOf, type IssueParams, type MissingKeys } from './issues.ts';
export {
  found,
  isRecord,
  loadYamlConfig,
  loadYamlFile,
  locate,
  locateProblems,
  parseYaml,
  unknownKey,
  type MissingAt,
  type ParsedYaml,
  type YamlPath,
  type YamlProblem,
} from './yaml-document.ts';
export { invalidFileError, unreadableFileError } from './file-errors.ts';
