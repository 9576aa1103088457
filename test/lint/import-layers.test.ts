import { Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { importLayers } from '../../eslint/import-layers.js';

/** The layering rule on one import line, as a file at `file` (relative to the repository root). */
function lint(file: string, line: string): string[] {
  const linter = new Linter({ configType: 'flat', cwd: '/repo' });
  const config = [
    {
      files: ['**/*.ts'],
      languageOptions: { parser: tseslint.parser },
      plugins: { layers: { rules: { 'imports-one-way': importLayers } } },
      rules: { 'layers/imports-one-way': 'error' as const },
    },
  ];
  return linter.verify(line, config, { filename: `/repo/${file}` }).map((message) => message.message);
}

describe('imports point one way', () => {
  it.each([
    ['src/http/route.ts', "import { x } from '../routing/engine.ts';"],
    ['src/http/route.ts', "import { x } from '../providers/provider.ts';"],
    ['src/routing/engine.ts', "import { x } from '../providers/registry.ts';"],
    ['src/routing/engine.ts', "import { x } from '../anthropic/sse-framer.ts';"],
    ['src/providers/bedrock/index.ts', "import { x } from '../provider.ts';"],
    ['src/providers/bedrock/converse/stream.ts', "import { x } from '../../../anthropic/types.ts';"],
    ['src/providers/bedrock/converse/stream.ts', "import { x } from '../errors.ts';"],
    ['src/store/sqlite/database.ts', "import { x } from '../../config/schema.ts';"],
    ['src/accounting/auth.ts', "import type { Target } from '../routing/resolve.ts';"],
    ['src/http/server.ts', "import type { AppDependencies } from '../app.ts';"],
    ['src/main.ts', "import { x } from './providers/bedrock/index.ts';"],
    ['src/cli/index.ts', "import { x } from '../http/server.ts';"],
    ['src/store/accounting.test.ts', "import { x } from '../http/server.ts';"],
    ['test/e2e/x.test.ts', "import { x } from '../../src/providers/bedrock/index.ts';"],
    ['src/http/routes/chat.ts', "import { x } from '../../openai/request.ts';"],
    ['src/providers/openai-compatible/errors.ts', "import { x } from '../../openai/errors.ts';"],
  ])('%s: %s is allowed', (file, line) => {
    expect(lint(file, line)).toEqual([]);
  });

  it.each([
    ['a leaf importing a layer', 'src/store/cooldowns.ts', "import { x } from '../routing/triggers.ts';"],
    ['a leaf importing http', 'src/request/body.ts', "import { x } from '../http/relay.ts';"],
    ['routing importing one provider', 'src/routing/engine.ts', "import { x } from '../providers/bedrock/index.ts';"],
    ['routing importing http', 'src/routing/engine.ts', "import { x } from '../http/relay.ts';"],
    ['a provider importing another', 'src/providers/bedrock/index.ts', "import { x } from '../anthropic/headers.ts';"],
    ['a provider importing another from a subfolder', 'src/providers/bedrock/converse/stream.ts', "import { x } from '../../anthropic/errors.ts';"],
    ['a provider importing routing', 'src/providers/anthropic/index.ts', "import { x } from '../../routing/retry-after.ts';"],
    ['the contract importing routing', 'src/providers/provider.ts', "import type { Trigger } from '../routing/triggers.ts';"],
    ['accounting importing a provider', 'src/accounting/auth.ts', "import { x } from '../providers/anthropic/headers.ts';"],
    ['http importing a provider', 'src/http/relay.ts', "import { x } from '../providers/anthropic/headers.ts';"],
    ['a value import of app.ts below it', 'src/http/server.ts', "import { buildApp } from '../app.ts';"],
    ['a re-export', 'src/store/index.ts', "export { x } from '../http/relay.ts';"],
    ['a dynamic import', 'src/usage/usage.ts', "const module = await import('../routing/engine.ts');"],
    ['a folder nobody placed yet', 'src/http/relay.ts', "import { x } from '../somewhere-new/x.ts';"],
  ])('%s is refused', (_name, file, line) => {
    const messages = lint(file, line);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/may not import .* imports point one way/);
  });
});
