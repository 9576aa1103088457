import { Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { sqlText } from '../../eslint/sql-text.js';

/** The SQL rule on a module's source. */
function lint(source: string): string[] {
  const linter = new Linter({ configType: 'flat' });
  const config = [
    {
      files: ['**/*.ts'],
      languageOptions: { parser: tseslint.parser, sourceType: 'module' as const },
      plugins: { sql: { rules: { 'text-from-constants': sqlText } } },
      rules: { 'sql/text-from-constants': 'error' as const },
    },
  ];
  return linter.verify(source, config, { filename: 'store.ts' }).map((message) => message.message);
}

describe('SQL text is built from module constants only', () => {
  it.each([
    ["db.prepare('SELECT * FROM usage WHERE request_id = ?');"],
    ["const columns = ['a', 'b'].join(', ');\ndb.prepare(`SELECT ${columns} FROM usage WHERE user_id = :user_id`);"],
    ["import { LIMIT } from './limits.ts';\ndb.exec(`PRAGMA journal_size_limit = ${LIMIT}`);"],
    ["const base = 'SELECT 1';\nfunction read(db) { return db.prepare(base + ' FROM usage'); }"],
    // RegExp#exec on a variable string is not SQL.
    ['function match(pattern, text) { return pattern.exec(text); }'],
  ])('accepts %s', (source) => {
    expect(lint(source)).toEqual([]);
  });

  it.each([
    ['function find(db, id) { return db.prepare(`SELECT * FROM usage WHERE request_id = ${id}`); }', 'id'],
    ["function find(db, user) { return db.prepare('SELECT * FROM usage WHERE user_id = ' + user); }", 'user'],
    ['function order(db, column) { const sql = `SELECT * FROM usage ORDER BY ${column}`; return db.prepare(sql); }', 'sql'],
    ['function run(db, request) { db.exec(`DELETE FROM usage WHERE key = ${request.key}`); }', 'request.key'],
    ["function run(db, filters) { db.prepare(`SELECT * FROM usage WHERE ${filters.join(' AND ')}`); }", "filters.join(' AND ')"],
    ['let table = "usage";\ndb.prepare(`SELECT * FROM ${table}`);', 'table'],
  ])('refuses %s', (source, part) => {
    expect(lint(source)).toEqual([`SQL built from \`${part}\`, which is not a module-level const: bind values as parameters (?, :name), or build the SQL from constants.`]);
  });
});
