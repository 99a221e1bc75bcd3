/**
 * The commands are loaded one module at a time (cli/command-modules.ts): the table must say, for each
 * command, the module that registers it and nothing else, and the command word is found past the
 * global options.
 */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMAND_MODULES, commandWord, registerCommands } from '../../cli/command-modules.ts';

const noContext = (): never => {
  throw new Error('no context in this test');
};

describe('the command modules', () => {
  it('each registers exactly the command it is listed under', async () => {
    for (const [name, load] of Object.entries(COMMAND_MODULES)) {
      const program = new Command('tradewatch');
      (await load())(program, noContext);
      expect(
        program.commands.map((c) => c.name()),
        name,
      ).toEqual([name]);
    }
  });

  it('registers only the command named, or all of them when none is', async () => {
    const only = new Command('tradewatch');
    await registerCommands(only, noContext, ['--log-level', 'warn', 'run', '--processors', 'drawdown']);
    expect(only.commands.map((c) => c.name())).toEqual(['run']);
    for (const args of [[], ['--help'], ['help', 'run'], ['rnu'], ['constructor']]) {
      const all = new Command('tradewatch');
      await registerCommands(all, noContext, args);
      expect(
        all.commands.map((c) => c.name()),
        args.join(' '),
      ).toEqual(Object.keys(COMMAND_MODULES));
    }
  });

  it('registers none for the version alone, and all of them when the help is asked with it', async () => {
    for (const args of [['-V'], ['--version'], ['--log-level', 'warn', '--version']]) {
      const none = new Command('tradewatch');
      await registerCommands(none, noContext, args);
      expect(none.commands, args.join(' ')).toEqual([]);
    }
    const all = new Command('tradewatch');
    await registerCommands(all, noContext, ['--version', '--help']);
    expect(all.commands.map((c) => c.name())).toEqual(Object.keys(COMMAND_MODULES));
  });

  it('finds the command word past the global options and their values', () => {
    expect(commandWord(['run', '--processors', 'drawdown'])).toBe('run');
    expect(commandWord(['--log-level', 'debug', '--log-format', 'json', 'status', '--json'])).toBe('status');
    expect(commandWord(['--log-level=debug', 'topics', 'apply'])).toBe('topics');
    expect(commandWord(['-V'])).toBeUndefined();
    expect(commandWord([])).toBeUndefined();
  });
});
