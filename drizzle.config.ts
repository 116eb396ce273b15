/** drizzle-kit: `npm run db:generate` writes a new migration into `db/` from `src/store/schema.ts`. */
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './src/store/schema.ts',
  out: './db',
});
