/**
 * Web sessions and enrollment links across nodes (issue 19, "Shared limits and state"): three real
 * `fyrkant serve` nodes on one SQLite site, started at the same moment, talked to like a browser
 * (cookies, forms with their CSRF tokens, redirects not followed).
 * - An admin signs in on node A; the cookie opens the admin pages on B; signing out on B ends the
 *   session on A and C too.
 * - An enrollment link made through A's API is redeemed on B (a self-service session that works on
 *   every node); used again on C it is refused with the "cannot be used" page (Swedish and English).
 * - An admin makes a link on A's user page; B serves the page it redirects to and shows the link
 *   (it rides in a signed cookie, not in A's memory); the link works on C.
 * - Thirty links, each opened on all three nodes at once: exactly one node starts a session, the
 *   others refuse (with the guard on the link's use taken out, several nodes win most runs).
 * Both with `http.sessionSecret` unset (the nodes share the secret made in the data dir, which they
 * race to make) and with it set by FYRKANT_HTTP__SESSION_SECRET (no file is made).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type Api, api, type RunningNode, ServeSites, type Site } from '../support/serve-site';

jest.setTimeout(180_000);

const sites = new ServeSites();
afterEach(() => sites.cleanup());

interface Page {
  readonly status: number;
  readonly location: string | null;
  readonly text: string;
  /** `name=value` of each cookie the answer set (empty value = cleared). */
  readonly cookies: Map<string, string>;
}

/** One browser request: no redirects followed, cookies sent as given, forms url-encoded. */
async function browse(
  base: string,
  path: string,
  o: { cookies?: Map<string, string>; form?: Record<string, string>; lang?: string } = {},
): Promise<Page> {
  const cookie = [...(o.cookies ?? new Map()).entries()].map(([k, v]) => `${k}=${v}`).join('; ');
  const res = await fetch(`${base}${path}`, {
    method: o.form ? 'POST' : 'GET',
    redirect: 'manual',
    headers: {
      'accept-language': o.lang ?? 'en',
      ...(cookie ? { cookie } : {}),
      ...(o.form ? { 'content-type': 'application/x-www-form-urlencoded', origin: base } : {}),
    },
    ...(o.form ? { body: new URLSearchParams(o.form).toString() } : {}),
  });
  const cookies = new Map<string, string>();
  for (const c of res.headers.getSetCookie()) {
    const [pair = ''] = c.split(';');
    const eq = pair.indexOf('=');
    cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return { status: res.status, location: res.headers.get('location'), text: await res.text(), cookies };
}

function csrfOf(page: Page): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
  if (!token) throw new Error(`no CSRF field on the page (${page.status}): ${page.text.slice(0, 500)}`);
  return token;
}

/** Signs in on the admin login form of `base` with `key`; the admin session cookie. */
async function adminSignIn(base: string, key: string): Promise<Map<string, string>> {
  const form = await browse(base, '/admin/login');
  expect(form.status).toBe(200);
  const login = await browse(base, '/admin/login', {
    cookies: new Map([['fyrkant_login', form.cookies.get('fyrkant_login') ?? '']]),
    form: { _csrf: csrfOf(form), key },
  });
  expect([login.status, login.location]).toEqual([303, '/admin']);
  const session = login.cookies.get('fyrkant_admin');
  expect(session).toBeTruthy();
  return new Map([['fyrkant_admin', session ?? '']]);
}

/** A new user and an enrollment link for it, made through `call`; the link's path (`/enroll/…`). */
async function enrollmentLink(call: Api, username: string): Promise<{ userId: string; path: string }> {
  const u = await call('POST', '/api/v1/users', { username });
  expect(u.status).toBe(201);
  const link = await call('POST', '/api/v1/enrollment-links', { userId: u.body.id });
  expect(link.status).toBe(201);
  return { userId: u.body.id, path: new URL(link.body.url).pathname };
}

function linkUses(s: Site): { used: number; audited: number } {
  const db = new Database(s.dbPath, { readonly: true });
  try {
    const used = db.prepare('SELECT count(*) AS n FROM enrollment_links WHERE used_at IS NOT NULL').get() as {
      n: number;
    };
    const audited = db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'enrollment-link.use'").get() as {
      n: number;
    };
    return { used: used.n, audited: audited.n };
  } finally {
    db.close();
  }
}

/** Three nodes of the site started at once, each with `env`. */
async function threeNodes(s: Site, env: Record<string, string>): Promise<RunningNode[]> {
  return Promise.all(['node-a', 'node-b', 'node-c'].map((id) => sites.serve(s, { FYRKANT_NODE__ID: id, ...env })));
}

async function adminSessionAcrossNodes(s: Site, [a, b, c]: RunningNode[]): Promise<void> {
  const call = api(a!.url, s.key);
  expect((await call('POST', '/api/v1/users', { username: 'listed-on-b' })).status).toBe(201);

  const cookies = await adminSignIn(a!.url, s.key);
  const onB = await browse(b!.url, '/admin/users', { cookies });
  expect(onB.status).toBe(200);
  expect(onB.text).toContain('listed-on-b');
  expect(onB.text).toContain('/admin/logout');
  expect((await browse(c!.url, '/admin', { cookies })).status).toBe(200);

  // The form's CSRF token from B's page signs out on B; A and C then send the browser to the login.
  const out = await browse(b!.url, '/admin/logout', { cookies, form: { _csrf: csrfOf(onB) } });
  expect([out.status, out.location]).toEqual([303, '/admin/login']);
  for (const n of [a!, b!, c!]) {
    const after = await browse(n.url, '/admin/users', { cookies });
    expect([after.status, after.location]).toEqual([303, '/admin/login']);
    expect(after.text).not.toContain('listed-on-b');
  }
}

async function enrollmentLinkAcrossNodes(s: Site, [a, b, c]: RunningNode[]): Promise<void> {
  const call = api(a!.url, s.key);
  const before = linkUses(s);
  const { path } = await enrollmentLink(call, 'enrols-on-b');

  const redeemed = await browse(b!.url, path);
  expect([redeemed.status, redeemed.location]).toEqual([303, '/me/enroll']);
  const self = new Map([['fyrkant_self', redeemed.cookies.get('fyrkant_self') ?? '']]);
  expect(self.get('fyrkant_self')).toBeTruthy();
  // The self-service session is one for every node: step 1 of enrollment on each.
  for (const n of [b!, a!, c!]) {
    const step1 = await browse(n.url, '/me/enroll', { cookies: self });
    expect(step1.status).toBe(200);
    expect(step1.text).toContain('Step 1: How should we contact you?');
  }

  // Used once: on another node, without a session, the link is refused in either language.
  const en = await browse(c!.url, path);
  expect(en.status).toBe(404);
  expect(en.cookies.has('fyrkant_self')).toBe(false);
  expect(en.text).toContain('This link cannot be used');
  expect(en.text).toContain('has already been used');
  const sv = await browse(a!.url, path, { lang: 'sv' });
  expect(sv.status).toBe(404);
  expect(sv.text).toContain('Länken kan inte användas');
  expect(sv.text).toContain('har redan använts');
  expect(linkUses(s)).toEqual({ used: before.used + 1, audited: before.audited + 1 });
}

async function webLinkAcrossNodes(s: Site, [a, b, c]: RunningNode[]): Promise<void> {
  const u = await api(a!.url, s.key)('POST', '/api/v1/users', { username: 'link-from-web' });
  expect(u.status).toBe(201);
  const userPath = `/admin/users/${u.body.id}`;
  const admin = await adminSignIn(a!.url, s.key);

  // Made on A's user page; the redirect to the user page is served by B, which shows the link.
  const made = await browse(a!.url, `${userPath}/enrollment-link`, {
    cookies: admin,
    form: { _csrf: csrfOf(await browse(a!.url, userPath, { cookies: admin })) },
  });
  expect([made.status, made.location]).toEqual([303, userPath]);
  const withLink = new Map([...admin, ['fyrkant_link', made.cookies.get('fyrkant_link') ?? '']]);
  const shown = await browse(b!.url, userPath, { cookies: withLink });
  expect(shown.status).toBe(200);
  const url = /<output class="mono" id="enroll-link">([^<]+)<\/output>/.exec(shown.text)?.[1];
  expect(url).toMatch(/\/enroll\/[A-Za-z0-9_-]+$/);
  expect(shown.cookies.get('fyrkant_link')).toBe('');

  // The link works on C.
  const redeemed = await browse(c!.url, new URL(url ?? '').pathname);
  expect([redeemed.status, redeemed.location]).toEqual([303, '/me/enroll']);
}

/**
 * An app password made on Security info is shown to the browser whichever node the load balancer
 * picks next: the POST lands on C; if it answered with a redirect, the browser's GET lands on A.
 */
async function appPasswordAcrossNodes(s: Site, [a, b, c]: RunningNode[]): Promise<void> {
  const { path } = await enrollmentLink(api(a!.url, s.key), 'app-password-on-c');
  const redeemed = await browse(a!.url, path);
  const self = new Map([['fyrkant_self', redeemed.cookies.get('fyrkant_self') ?? '']]);
  const security = await browse(b!.url, '/me/security', { cookies: self });
  expect(security.status).toBe(200);

  const made = await browse(c!.url, '/me/security/app-passwords', {
    cookies: self,
    form: { _csrf: csrfOf(security), name: 'Mail on my laptop' },
  });
  const shown = made.location ? await browse(a!.url, made.location, { cookies: self }) : made;
  expect(shown.status).toBe(200);
  const password = /id="new-app-password"[^>]*>([^<]+)</.exec(shown.text)?.[1];
  expect(password).toMatch(/\S{12,}/);

  // Shown once: every node's Security info lists it by name, none shows the password again.
  for (const n of [a!, b!, c!]) {
    const again = await browse(n.url, '/me/security', { cookies: self });
    expect(again.text).toContain('Mail on my laptop');
    expect(again.text).not.toContain(password);
  }
}

async function linkRaceAcrossNodes(s: Site, nodes: RunningNode[]): Promise<void> {
  const call = api(nodes[0]!.url, s.key);
  const before = linkUses(s);
  const links: string[] = [];
  for (let i = 0; i < 30; i++) links.push((await enrollmentLink(call, `race${i}`)).path);

  // One link at a time, opened on every node at once: idle nodes take it up together.
  const answers: Page[][] = [];
  for (const p of links) answers.push(await Promise.all(nodes.map((n) => browse(n.url, p))));
  for (const tries of answers) {
    const won = tries.filter((r) => r.status === 303 && r.location === '/me/enroll' && r.cookies.get('fyrkant_self'));
    const refused = tries.filter((r) => r.status === 404 && r.text.includes('This link cannot be used'));
    expect([won.length, refused.length]).toEqual([1, nodes.length - 1]);
  }
  expect(linkUses(s)).toEqual({ used: before.used + links.length, audited: before.audited + links.length });
}

describe('three nodes on one site: web sessions and enrollment links', () => {
  it('with the session secret made in the shared data dir', async () => {
    const s = await sites.site({});
    const secretFile = join(s.dir, 'data', 'session-secret');
    expect(existsSync(secretFile)).toBe(false);
    const nodes = await threeNodes(s, {});
    expect(readFileSync(secretFile, 'utf8').trim().length).toBeGreaterThanOrEqual(32);

    await adminSessionAcrossNodes(s, nodes);
    await enrollmentLinkAcrossNodes(s, nodes);
    await webLinkAcrossNodes(s, nodes);
    await linkRaceAcrossNodes(s, nodes);
    await appPasswordAcrossNodes(s, nodes);
  });

  it('with http.sessionSecret set in the environment', async () => {
    const s = await sites.site({});
    const nodes = await threeNodes(s, {
      FYRKANT_HTTP__SESSION_SECRET: 'shared-web-state-test-secret-0123456789abcdef',
    });

    await adminSessionAcrossNodes(s, nodes);
    await enrollmentLinkAcrossNodes(s, nodes);
    await webLinkAcrossNodes(s, nodes);
    await linkRaceAcrossNodes(s, nodes);
    expect(existsSync(join(s.dir, 'data', 'session-secret'))).toBe(false);
  });
});
