import { existsSync } from 'node:fs';
import { Client } from 'pg';
import { type PostgresPeer, startPostgres } from '../support/peers/postgres';

describe('PostgreSQL test peer', () => {
  let pg: PostgresPeer;
  beforeAll(async () => {
    pg = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await pg?.stop();
  });

  it('accepts the password over TCP and stops by PID, removing its dir', async () => {
    const c = new Client({ connectionString: pg.url });
    await c.connect();
    const r = await c.query<{ db: string; superuser: string }>(
      "SELECT current_database() AS db, current_setting('is_superuser') AS superuser",
    );
    await c.end();
    expect(r.rows[0]).toEqual({ db: 'fyrkant', superuser: 'on' });

    const wrong = new Client({ connectionString: pg.url.replace(pg.password, 'wrong') });
    wrong.on('error', () => {});
    await expect(wrong.connect()).rejects.toThrow(/password authentication failed/);

    const other = await pg.createDatabase('second');
    expect(other).toMatch(/\/second$/);

    await pg.stop();
    await pg.exited;
    expect(() => process.kill(pg.pid, 0)).toThrow();
    expect(existsSync(pg.dir)).toBe(false);
  }, 60_000);
});
