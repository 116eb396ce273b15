import { createApiKey, revokeApiKey } from '../../src/store';
import { type ApiHarness, createApiHarness } from '../support/api-harness';

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness();
});
afterAll(async () => {
  await h.close();
});

const concrete = (url: string) => url.replace(/:([A-Za-z]+)/g, 'does-not-exist');

describe('authentication over the whole route table', () => {
  it('the route table is exactly what Fastify serves', () => {
    const table = h.routes.map((r) => `${r.method} ${r.url}`).sort();
    const served = h.registered.map((r) => `${r.method} ${r.url}`).sort();
    expect(served).toEqual(table);
    expect(table.length).toBeGreaterThanOrEqual(25);
  });

  it('only health is public', () => {
    expect(h.routes.filter((r) => r.auth === 'public').map((r) => r.url)).toEqual(['/readyz']);
  });

  it('every other route answers 401 without a key, with a malformed, an unknown and a revoked key', async () => {
    const revoked = createApiKey(h.store.db, { name: 'old', scopes: ['admin'] });
    revokeApiKey(h.store.db, revoked.row.id);
    const unknown = `fyk_abcdefgh_${'A'.repeat(43)}`;
    for (const r of h.routes.filter((x) => x.auth !== 'public')) {
      for (const key of [null, 'nonsense', unknown, revoked.key]) {
        const res = await h.req(r.method, concrete(r.url), r.body ? {} : undefined, { key });
        expect({ route: `${r.method} ${r.url}`, key, status: res.status }).toEqual({
          route: `${r.method} ${r.url}`,
          key,
          status: 401,
        });
        expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      }
    }
  });

  it('a raw Authorization header in another scheme is refused', async () => {
    const res = await fetch(`${h.baseUrl}/api/v1/users`, { headers: { authorization: `Basic ${h.adminKey}` } });
    expect(res.status).toBe(401);
  });

  it('integration keys get 403 on admin routes and pass authentication on integration routes', async () => {
    for (const r of h.routes.filter((x) => x.auth !== 'public')) {
      const res = await h.req(r.method, concrete(r.url), r.body ? {} : undefined, { key: h.integrationKey });
      const route = `${r.method} ${r.url}`;
      if (r.auth === 'admin') expect({ route, status: res.status }).toEqual({ route, status: 403 });
      else expect({ route, denied: [401, 403].includes(res.status) }).toEqual({ route, denied: false });
    }
  });

  it('admin keys pass authentication everywhere', async () => {
    for (const r of h.routes.filter((x) => x.auth !== 'public')) {
      const res = await h.req(r.method, concrete(r.url), r.body ? {} : undefined);
      const route = `${r.method} ${r.url}`;
      expect({ route, denied: [401, 403].includes(res.status) }).toEqual({ route, denied: false });
    }
  });

  it('an unauthenticated caller learns nothing about the input rules (401 before 422)', async () => {
    const res = await h.req('POST', '/api/v1/users', { nonsense: true }, { key: null });
    expect(res.status).toBe(401);
    expect(JSON.stringify(res.body)).not.toMatch(/username/);
  });
});
