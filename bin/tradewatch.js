#!/usr/bin/env node
// The `tradewatch` command. The sources are TypeScript run by Node's built-in type stripping, so no
// build step stands between a checkout and the command; that needs Node.js 22.18+ (24 LTS pinned).
if (!process.features.typescript) {
  process.stderr.write(
    `tradewatch needs Node.js >= 22.18 with TypeScript type stripping; this is ${process.version}.\n` +
      'Run it through npm, which uses the Node.js 24 pinned in package.json: `npm run tradewatch -- <command>`.\n',
  );
  process.exit(2);
}
// kafkajs 2.2.4 schedules a timer with a negative delay on Node 24, which Node reports once as a
// TimeoutNegativeWarning (kafkajs issue #1751); it is harmless, so keep it off standard error.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name !== 'TimeoutNegativeWarning')
    process.stderr.write(`${warning.name}: ${warning.message}\n`);
});
// Node's compile cache (under the OS temp dir, or NODE_COMPILE_CACHE; NODE_DISABLE_COMPILE_CACHE=1 turns
// it off): the stripped and compiled modules are kept on disk, so a command starts in about 0.7x the time.
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();
await import('../cli/main.ts');
