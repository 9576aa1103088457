import type { Rule } from 'eslint';

export declare const sqlText: Rule.RuleModule;
