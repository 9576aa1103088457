import type { Rule } from 'eslint';

export declare const importLayers: Rule.RuleModule;
export declare const temporaryExceptions: ReadonlyArray<readonly [string, string]>;
