#!/usr/bin/env node
// Runs the TypeScript sources through tsx: no build step between `npm ci` and a working CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
