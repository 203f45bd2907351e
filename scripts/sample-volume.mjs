#!/usr/bin/env node
// `ferry sample-volume` as a script of its own, for tests and benchmarks that spawn the generator
// with `node scripts/sample-volume.mjs --out DIR --size 4M --users 1 --seed 5 [--hives none] [--quiet]`.
import { runTs } from '../bin/run-ts.mjs';
await runTs('src/cli/main.ts', ['sample-volume']);
