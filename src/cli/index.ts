#!/usr/bin/env node
import { sqliteAvailable, unsupportedNode } from './node-version.ts';

/**
 * The `claude-gateway` entry: checks that this Node.js can load node:sqlite before anything that
 * needs it is loaded, then runs the command (command.ts).
 */

const problem = unsupportedNode(process.versions.node, process.execPath, sqliteAvailable());
if (problem === undefined) {
  await import('./command.ts');
} else {
  console.error(problem);
  process.exitCode = 1;
}
