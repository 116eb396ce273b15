/**
 * The database engines the multi-node tests (several `fyrkant serve` on one site) run on. Only
 * SQLite today; 'postgres' joins this list when the PostgreSQL store driver exists (issue 19), and
 * every suite parametrised over it (describe.each) then runs on both.
 */
export const SITE_DATABASES = ['sqlite'] as const;

export type SiteDatabase = (typeof SITE_DATABASES)[number];
