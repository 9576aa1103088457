import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'deploy/**/*.test.ts'],
    // `npm run cdk -- synth` copies the Docker context (src/) into deploy/cdk/cdk.out.
    exclude: ['**/node_modules/**', 'deploy/cdk/cdk.out/**'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
