/**
 * Company name and logo in every page's header (issue 18a): pages carry a marker (`BRAND_MARK`),
 * replaced here per server, so pages need no config. The logo file is read once at start and served
 * at /ui/brand/logo (same origin: the CSP allows it).
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { html } from './html';
import { BRAND_MARK } from './layout';

export interface Branding {
  readonly companyName: string;
  /** PNG, JPEG, SVG or WebP; null = name only. */
  readonly logoFile: string | null;
}

const LOGO_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.webp': 'image/webp',
};
const LOGO_PATH = '/ui/brand/logo';
const LOGO_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

export function registerBranding(app: FastifyInstance, branding: Branding | undefined): void {
  let logo: { body: Buffer; type: string } | undefined;
  if (branding?.logoFile) {
    const type = LOGO_TYPES[extname(branding.logoFile).toLowerCase()];
    if (!type) throw new Error(`employeeSignIn.logoFile: ${branding.logoFile} is not a .png, .jpg, .svg or .webp file`);
    try {
      logo = { body: readFileSync(branding.logoFile), type };
    } catch (err) {
      throw new Error(`employeeSignIn.logoFile: cannot read ${branding.logoFile} (${(err as Error).message})`);
    }
  }
  if (logo) {
    const { body, type } = logo;
    app.get(LOGO_PATH, async (_req, reply) =>
      reply.header('cache-control', 'public, max-age=300').type(type).send(body),
    );
  }
  const mark = BRAND_MARK.value;
  const company = branding
    ? html`<span class="company">${logo ? html`<img src="${LOGO_PATH}" alt="" class="logo" height="28">` : ''}<span class="company-name">${branding.companyName}</span></span>`
        .value
    : '';
  app.addHook('onSend', async (req, reply, payload) => {
    // After the UI's own header hook: an SVG opened on its own must not run script.
    if (logo && req.url.split('?')[0] === LOGO_PATH) reply.header('content-security-policy', LOGO_CSP);
    if (typeof payload !== 'string' || !String(reply.getHeader('content-type') ?? '').startsWith('text/html'))
      return payload;
    return payload.replace(mark, company);
  });
}
