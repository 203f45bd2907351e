#!/usr/bin/env node
import { runTs } from './run-ts.mjs';
await runTs('src/cli/main.ts', ['usmtutils']);
