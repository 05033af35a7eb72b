import { defineConfig } from 'drizzle-kit';

// Paths are relative to the working directory: run through `npm run db:generate` from the repo root.
export default defineConfig({
  dialect: 'postgresql',
  schema: './packages/db/src/schema.ts',
  out: './migrations',
});
