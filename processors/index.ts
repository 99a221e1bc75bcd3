export {
  DEAD_LETTERS,
  PROCESSOR_NAMES,
  createProcessors,
  type AnyProcessor,
  type ProcessorName,
  type ProcessorSettings,
} from './catalogue.ts';
