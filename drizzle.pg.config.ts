/** drizzle-kit for PostgreSQL: `npm run db:generate:pg` writes a new migration into `db/pg/` from `src/store/pg/schema.ts`. */
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/store/pg/schema.ts',
  out: './db/pg',
});
