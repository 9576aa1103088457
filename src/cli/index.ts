#!/usr/bin/env node
import { unsupportedNode } from './node-version.ts';

/**
 * The `claude-gateway` entry: checks the Node.js version before anything that needs a newer
 * one is loaded, then runs the command (command.ts).
 */

const problem = unsupportedNode(process.versions.node, process.execPath);
if (problem === undefined) {
  await import('./command.ts');
} else {
  console.error(problem);
  process.exitCode = 1;
}
