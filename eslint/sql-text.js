/**
 * SQL text is built only from constants; values travel as bound parameters (issue 15, X5; the
 * security rules: parameterised SQL only). A local ESLint rule, no dependency: in a call of
 * `.prepare(…)` or `.exec(…)` (node:sqlite's `DatabaseSync`), the SQL may be a string literal, or
 * a template literal or `+` concatenation whose every interpolated part is a `const` declared at
 * the top level of the module (a column list, a query fragment, a pragma value: fixed when the
 * module loads, never from a request) or an imported binding. Anything else (a function
 * parameter, a local variable, a call, a property) is an error; where a value is checked and cannot be bound (a
 * PRAGMA), say why in an `eslint-disable-next-line` comment.
 */

/** @type {import('eslint').Rule.RuleModule} */
export const sqlText = {
  meta: {
    type: 'problem',
    docs: { description: 'SQL text passed to prepare() or exec() is built from module constants only; values are bound parameters' },
    schema: [],
    messages: {
      dynamic: 'SQL built from `{{part}}`, which is not a module-level const: bind values as parameters (?, :name), or build the SQL from constants.',
    },
  },
  create(context) {
    const sourceCode = context.sourceCode;

    /** Whether `node` (an identifier) names a `const` declared at the top level of the module. */
    function isModuleConstant(node) {
      let scope = sourceCode.getScope(node);
      while (scope !== null) {
        const variable = scope.set.get(node.name);
        if (variable !== undefined) {
          const definition = variable.defs[0];
          // An imported binding is another module's top-level export (its own file is checked where it is built).
          if (definition?.type === 'ImportBinding') return true;
          if (definition === undefined || definition.type !== 'Variable') return false;
          const declaration = definition.parent;
          return declaration.kind === 'const' && (scope.type === 'module' || scope.type === 'global');
        }
        scope = scope.upper;
      }
      return false;
    }

    /** The parts of an SQL expression that are not constant, as text. */
    function dynamicParts(node) {
      switch (node.type) {
        case 'Literal':
          return [];
        case 'TemplateLiteral':
          return node.expressions.flatMap((expression) => dynamicParts(expression));
        case 'BinaryExpression':
          return node.operator === '+' ? [...dynamicParts(node.left), ...dynamicParts(node.right)] : [sourceCode.getText(node)];
        case 'Identifier':
          return isModuleConstant(node) ? [] : [node.name];
        default:
          return [sourceCode.getText(node)];
      }
    }

    return {
      CallExpression(node) {
        const callee = node.callee;
        if (callee.type !== 'MemberExpression' || callee.computed || callee.property.type !== 'Identifier') return;
        if (callee.property.name !== 'prepare' && callee.property.name !== 'exec') return;
        const sql = node.arguments[0];
        if (sql === undefined || node.arguments.length !== 1) return;
        // Only string-shaped SQL is judged (RegExp#exec takes a variable string: not SQL). A bare
        // identifier is judged for prepare(), which nothing else in the code base has.
        const shaped = sql.type === 'TemplateLiteral' || sql.type === 'BinaryExpression' || (sql.type === 'Literal' && typeof sql.value === 'string');
        if (!shaped && !(sql.type === 'Identifier' && callee.property.name === 'prepare')) return;
        for (const part of dynamicParts(sql)) context.report({ node: sql, messageId: 'dynamic', data: { part } });
      },
    };
  },
};
