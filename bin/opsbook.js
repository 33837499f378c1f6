#!/usr/bin/env node
// The opsbook command. Runs the compiled JavaScript in dist/ (`npm run build`, also run by npm install).
// OPSBOOK_FROM_SOURCE=1 runs the TypeScript sources through tsx instead (a checkout while editing src/).
if (process.env.OPSBOOK_FROM_SOURCE === '1') {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../src/cli/main.ts');
  await main(process.argv);
} else {
  const { distProblem } = await import('./dist.js');
  const problem = distProblem();
  if (problem) {
    process.stderr.write(`✖ ${problem}\n`);
    process.exit(2);
  }
  const { main } = await import('../dist/cli/main.js');
  await main(process.argv);
}
