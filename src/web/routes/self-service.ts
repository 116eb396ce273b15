/**
 * Self-service routes: the enrollment link, the seed's three steps, and Security info. A redeemed
 * link becomes a `self` session; every later page works on that session's user only.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { mayRemoveMethod } from '../../domain/method-removal';
import { callStatus } from '../call-status';
import { html } from '../html';
import { appendCookie, seeOther, sendPage, sessionCookieName, type WebRequest, webRequest } from '../http/context';
import { serializeCookie } from '../http/cookies';
import { field } from '../http/form';
import { type Session, takeFlash } from '../http/sessions';
import type { ContactErrors, ContactValues } from '../pages/contact-form';
import { PHONE_KINDS } from '../pages/contact-form';
import { activitySection, defaultMethodSection, sessionsSection } from '../pages/security-extras';
import { appPasswordPage, callPage, contactPage, linkInvalidPage, securityPage } from '../pages/self-service';
import type { PhoneKind, PhoneMethodView } from '../ports';
import { serviceProblem } from '../service-error';
import { registerSessionRoutes } from './self-sessions';
import { actorOfSession, csrfFailed, csrfOk, notFoundPage, userIdOf, type WebDeps } from './shared';

const EXT_RE = /^[0-9*#,wW]*$/;

/** The cheap checks the page can make before asking the service (which validates for real). */
function precheck(w: WebRequest, v: ContactValues, countries: readonly { code: string }[]): ContactErrors {
  const errors: ContactErrors = {};
  if (!PHONE_KINDS.includes(v.kind)) errors.kind = w.m.t('form.kindInvalid');
  if (!countries.some((c) => c.code === v.country)) errors.country = w.m.t('form.countryInvalid');
  if (!v.number) errors.number = w.m.t('form.required');
  if (!EXT_RE.test(v.extension)) errors.extension = w.m.t('form.extensionInvalid');
  return errors;
}

function contactValues(body: unknown, fallbackKind: PhoneKind, defaultCountry: string): ContactValues {
  const kind = field(body, 'kind') || fallbackKind;
  return {
    kind: kind as PhoneKind,
    country: field(body, 'country') || defaultCountry,
    number: field(body, 'number'),
    extension: field(body, 'extension'),
  };
}

function valuesOf(pm: PhoneMethodView | undefined, defaultCountry: string): ContactValues {
  return {
    kind: pm?.kind ?? 'office',
    country: pm?.country ?? defaultCountry,
    number: pm?.display ?? '',
    extension: pm?.extension ?? '',
  };
}

const FORM_FIELDS = ['kind', 'country', 'number', 'extension'] as const;

export function registerSelfService(app: FastifyInstance, deps: WebDeps): void {
  const { services } = deps;
  const ctx = (req: Parameters<typeof webRequest>[0], reply: FastifyReply) => webRequest(req, reply, deps);

  const signInOffered = Boolean(deps.employeeSignIn?.oidc || deps.employeeSignIn?.ldap);

  /** The self session; without one, the sign-in page (when configured) or the "link cannot be used" page. */
  function withSelf(w: WebRequest, reply: FastifyReply): Session | undefined {
    const s = w.session('self');
    if (!s) {
      if (signInOffered && reply.request.method === 'GET') void seeOther(reply, '/me/signin');
      else void sendPage(reply, linkInvalidPage(w.m, w.path, signInOffered), 401);
    }
    return s;
  }

  /** The phone-number form (enrolment, a new method or a change) with what was entered and its errors. */
  function showContactForm(
    w: WebRequest,
    reply: FastifyReply,
    session: Session,
    form: {
      values: ContactValues;
      mode: 'enroll' | 'add' | 'change';
      action: string;
      errors?: ContactErrors;
      notice?: string;
    },
    status = 200,
  ): FastifyReply {
    return sendPage(
      reply,
      contactPage({
        m: w.m,
        path: w.path,
        csrf: session.csrfToken,
        countries: services.countries(w.m.lang),
        errors: {},
        ...form,
      }),
      status,
    );
  }

  /** Saves the method (new or changed) and places the verification call; re-renders the form on problems. */
  async function saveAndCall(
    w: WebRequest,
    reply: FastifyReply,
    session: Session,
    values: ContactValues,
    mode: 'enroll' | 'add' | 'change',
    action: string,
    existing?: PhoneMethodView,
  ): Promise<FastifyReply> {
    const userId = userIdOf(session);
    const countries = services.countries(w.m.lang);
    const rerender = (errors: ContactErrors, notice?: string, status = 422) =>
      showContactForm(w, reply, session, { values, mode, action, errors, ...(notice ? { notice } : {}) }, status);
    const pre = precheck(w, values, countries);
    if (Object.keys(pre).length > 0) return rerender(pre);
    const input = {
      kind: values.kind,
      country: values.country,
      number: values.number,
      ...(values.extension ? { extension: values.extension } : {}),
    };
    try {
      const actor = actorOfSession(session);
      const method = existing
        ? await services.updatePhoneMethod(
            userId,
            existing.id,
            { ...input, extension: values.extension },
            w.m.lang,
            actor,
          )
        : await services.addPhoneMethod(userId, input, w.m.lang, actor);
      const { attemptId } = await services.startCall(userId, method.id, 'enrollment', w.m.lang, actor);
      return seeOther(reply, `/me/calls/${attemptId}`);
    } catch (err) {
      const p = serviceProblem(err, w.m.lang);
      if (!p) throw err;
      if (p.status === 429) return rerender({}, w.m.t('call.rateLimited', { seconds: p.retryAfterSeconds ?? 60 }), 429);
      const errors: ContactErrors = {};
      for (const [f, msg] of Object.entries(p.fields)) {
        const key = (FORM_FIELDS as readonly string[]).includes(f) ? (f as keyof ContactValues) : 'number';
        errors[key] ??= msg;
      }
      if (Object.keys(errors).length === 0) errors.number = w.m.t('call.startFailed', { reason: p.message });
      return rerender(errors);
    }
  }

  // --- The enrollment link: redeem once, then continue on a session.
  app.get<{ Params: { token: string } }>('/enroll/:token', async (req, reply) => {
    const w = ctx(req, reply);
    const redeemed = await services.redeemEnrollmentLink(req.params.token);
    if (!redeemed) {
      const existing = w.session('self');
      if (existing) return seeOther(reply, existing.enrolling ? '/me/enroll' : '/me/security');
      return sendPage(reply, linkInvalidPage(w.m, w.path, signInOffered), 404);
    }
    deps.sessions.destroy(w.cookies[sessionCookieName('self', w.secure)]);
    const session = deps.sessions.create(
      { kind: 'self', userId: redeemed.userId },
      { method: 'link', userAgent: req.headers['user-agent'], ip: req.ip },
    );
    session.enrolling = true;
    appendCookie(
      reply,
      serializeCookie(sessionCookieName('self', w.secure), session.id, {
        secure: w.secure,
        sameSite: 'Lax',
        httpOnly: true,
      }),
    );
    return seeOther(reply, '/me/enroll');
  });

  // --- Step 1
  app.get('/me/enroll', async (req, reply) => {
    const w = ctx(req, reply);
    const s = withSelf(w, reply);
    if (!s) return reply;
    const pending = services.listPhoneMethods(userIdOf(s)).find((pm) => !pm.verifiedAt);
    return showContactForm(w, reply, s, {
      values: valuesOf(pending, services.defaultCountry),
      mode: 'enroll',
      action: '/me/enroll',
    });
  });

  app.post('/me/enroll', async (req, reply) => {
    const w = ctx(req, reply);
    const s = withSelf(w, reply);
    if (!s) return reply;
    if (!csrfOk(req, s.csrfToken)) return csrfFailed(reply, w);
    const values = contactValues(req.body, 'office', services.defaultCountry);
    // Entering the form again replaces the method still waiting for verification, not adds another.
    const pending = services.listPhoneMethods(userIdOf(s)).find((pm) => !pm.verifiedAt && pm.kind === values.kind);
    return saveAndCall(w, reply, s, values, 'enroll', '/me/enroll', pending);
  });

  // --- Step 2 (also test calls and re-verification)
  function ownAttempt(s: Session, id: string) {
    const a = services.getAttempt(id);
    return a && a.userId === userIdOf(s) ? a : undefined;
  }

  /** The latest attempt of the chain `id` belongs to, if it is this session's user's. */
  function ownLatest(s: Session, id: string) {
    return ownAttempt(s, id) ? ownAttempt(s, services.latestOfChain(id)?.id ?? id) : undefined;
  }

  function renderCall(
    w: WebRequest,
    reply: FastifyReply,
    s: Session,
    attemptId: string,
    notice?: string,
    status = 200,
  ) {
    // A reload after an automatic retry shows where the chain is now, not the first call's failure.
    const a = ownLatest(s, attemptId);
    if (!a) return notFoundPage(reply, w);
    const method = services.listPhoneMethods(userIdOf(s)).find((pm) => pm.id === a.phoneMethodId);
    const number = method
      ? `${method.display}${method.extension ? ` (${w.m.t('form.extension')} ${method.extension})` : ''}`
      : (a.destination ?? '');
    const enrolling = s.enrolling && a.purpose === 'enrollment';
    return sendPage(
      reply,
      callPage({
        m: w.m,
        path: w.path,
        csrf: s.csrfToken,
        attemptId: a.id,
        number,
        status: callStatus(a, w.m),
        enrolling,
        againAction: `/me/calls/${a.id}/again`,
        continueHref: enrolling ? `/me/enroll/done?attempt=${encodeURIComponent(a.id)}` : '/me/security',
        changeHref: enrolling ? '/me/enroll' : method ? `/me/security/methods/${method.id}/edit` : '/me/security',
        ...(notice ? { notice } : {}),
      }),
      status,
    );
  }

  app.get<{ Params: { id: string } }>('/me/calls/:id', async (req, reply) => {
    const w = ctx(req, reply);
    const s = withSelf(w, reply);
    if (!s) return reply;
    return renderCall(w, reply, s, req.params.id);
  });

  app.post<{ Params: { id: string } }>('/me/calls/:id/again', async (req, reply) => {
    const w = ctx(req, reply);
    const s = withSelf(w, reply);
    if (!s) return reply;
    if (!csrfOk(req, s.csrfToken)) return csrfFailed(reply, w);
    const a = ownAttempt(s, req.params.id);
    if (!a?.phoneMethodId) return notFoundPage(reply, w);
    try {
      const purpose = a.purpose === 'test' ? 'test' : 'enrollment';
      // Never a second chain: a call in progress or a retry still to come is this chain's next call.
      const { attemptId } = await services.callAgain(userIdOf(s), a.id, purpose, w.m.lang, actorOfSession(s));
      return seeOther(reply, `/me/calls/${attemptId}`);
    } catch (err) {
      const p = serviceProblem(err, w.m.lang);
      if (!p) throw err;
      const notice =
        p.status === 429
          ? w.m.t('call.rateLimited', { seconds: p.retryAfterSeconds ?? 60 })
          : w.m.t('call.startFailed', { reason: Object.values(p.fields)[0] ?? p.message });
      return renderCall(w, reply, s, a.id, notice, p.status);
    }
  });

  // --- Step 3
  app.get<{ Querystring: { attempt?: string } }>('/me/enroll/done', async (req, reply) => {
    const w = ctx(req, reply);
    const s = withSelf(w, reply);
    if (!s) return reply;
    // Any attempt of the chain may have verified the phone (an automatic retry, say): take the latest.
    const a = req.query.attempt ? ownLatest(s, req.query.attempt) : undefined;
    let password: string | undefined;
    if (s.enrolling && a && a.outcome === 'approved') {
      const issued = services.takeIssuedAppPassword(a.id);
      password = issued?.password;
      // Shown once: the session forgets it is enrolling, so a reload does not mint another one.
      s.enrolling = false;
    }
    reply.header('cache-control', 'no-store');
    return sendPage(
      reply,
      appPasswordPage({ m: w.m, path: w.path, doneHref: '/me/security', ...(password ? { password } : {}) }),
    );
  });

  // --- Security info
  /**
   * The Security info page. A new app password is rendered in the answer to the POST that made it,
   * not passed through a redirect: the flash lives in one node's memory, and behind a load balancer
   * the GET after the redirect may reach another node, which would never show the password.
   */
  function showSecurity(
    w: WebRequest,
    reply: FastifyReply,
    s: Session,
    shown: {
      readonly notice?: { kind: 'ok' | 'bad'; text: string };
      readonly newAppPassword?: { name: string; password: string };
      readonly appPasswordError?: string;
    },
    query: Record<string, unknown> = {},
  ) {
    const userId = userIdOf(s);
    const user = services.getUser(userId);
    if (!user) return notFoundPage(reply, w);
    reply.header('cache-control', 'no-store');
    const methods = services.listPhoneMethods(userId);
    const activity = services.listAttempts({ userId, limit: 10 }).map((a) => ({
      at: a.queuedAt,
      purpose: a.purpose,
      method: methods.find((pm) => pm.id === a.phoneMethodId),
      outcome: a.outcome,
      sipStatus: a.sipStatus,
      requestedBy: a.requestedBy,
    }));
    const changing = query.changeDefault === '1';
    return sendPage(
      reply,
      securityPage({
        m: w.m,
        path: w.path,
        csrf: s.csrfToken,
        user,
        top: defaultMethodSection(w.m, s.csrfToken, methods, changing),
        bottom: html`${activitySection(w.m, activity, userId)}${sessionsSection(
          w.m,
          s.csrfToken,
          deps.sessions.listForUser(userId),
          s.handle,
          Math.round(deps.sessions.idleMs / 60_000),
        )}`,
        methods,
        appPasswords: services.listAppPasswords(userId),
        ...shown,
      }),
    );
  }

  app.get('/me/security', async (req, reply) => {
    const w = ctx(req, reply);
    const s = withSelf(w, reply);
    if (!s) return reply;
    const notice = takeFlash<{ kind: 'ok' | 'bad'; text: string }>(s, 'notice');
    return showSecurity(w, reply, s, notice ? { notice } : {}, req.query as Record<string, unknown>);
  });

  app.get('/me/security/methods/new', async (req, reply) => {
    const w = ctx(req, reply);
    const s = withSelf(w, reply);
    if (!s) return reply;
    return showContactForm(w, reply, s, {
      values: valuesOf(undefined, services.defaultCountry),
      mode: 'add',
      action: '/me/security/methods',
    });
  });

  app.post('/me/security/methods', async (req, reply) => {
    const w = ctx(req, reply);
    const s = withSelf(w, reply);
    if (!s) return reply;
    if (!csrfOk(req, s.csrfToken)) return csrfFailed(reply, w);
    return saveAndCall(
      w,
      reply,
      s,
      contactValues(req.body, 'office', services.defaultCountry),
      'add',
      '/me/security/methods',
    );
  });

  function ownMethod(s: Session, id: string) {
    return services.listPhoneMethods(userIdOf(s)).find((pm) => pm.id === id);
  }

  app.get<{ Params: { id: string } }>('/me/security/methods/:id/edit', async (req, reply) => {
    const w = ctx(req, reply);
    const s = withSelf(w, reply);
    if (!s) return reply;
    const pm = ownMethod(s, req.params.id);
    if (!pm) return notFoundPage(reply, w);
    return showContactForm(w, reply, s, {
      values: valuesOf(pm, services.defaultCountry),
      mode: 'change',
      action: `/me/security/methods/${pm.id}`,
    });
  });

  app.post<{ Params: { id: string } }>('/me/security/methods/:id', async (req, reply) => {
    const w = ctx(req, reply);
    const s = withSelf(w, reply);
    if (!s) return reply;
    if (!csrfOk(req, s.csrfToken)) return csrfFailed(reply, w);
    const pm = ownMethod(s, req.params.id);
    if (!pm) return notFoundPage(reply, w);
    const values = { ...contactValues(req.body, pm.kind, services.defaultCountry), kind: pm.kind };
    return saveAndCall(w, reply, s, values, 'change', `/me/security/methods/${pm.id}`, pm);
  });

  /** Small POST actions on a method that end on Security info with a notice. */
  function methodAction(
    suffix: string,
    run: (s: Session, pm: PhoneMethodView, w: WebRequest) => Promise<string | undefined>,
  ): void {
    app.post<{ Params: { id: string } }>(`/me/security/methods/:id/${suffix}`, async (req, reply) => {
      const w = ctx(req, reply);
      const s = withSelf(w, reply);
      if (!s) return reply;
      if (!csrfOk(req, s.csrfToken)) return csrfFailed(reply, w);
      const pm = ownMethod(s, req.params.id);
      if (!pm) return notFoundPage(reply, w);
      try {
        const next = await run(s, pm, w);
        return seeOther(reply, next ?? '/me/security');
      } catch (err) {
        const p = serviceProblem(err, w.m.lang);
        if (!p) throw err;
        const text =
          p.status === 429
            ? w.m.t('call.rateLimited', { seconds: p.retryAfterSeconds ?? 60 })
            : (Object.values(p.fields)[0] ?? p.message);
        s.flash.set('notice', { kind: 'bad', text });
        return seeOther(reply, '/me/security');
      }
    });
  }

  methodAction('default', async (s, pm, w) => {
    await services.updatePhoneMethod(userIdOf(s), pm.id, { isDefault: true }, w.m.lang, actorOfSession(s));
    s.flash.set('notice', { kind: 'ok', text: w.m.t('sec.saved') });
    return undefined;
  });
  methodAction('remove', async (s, pm, w) => {
    // issue 18a: the last verified method goes only once another one is verified (no lock-out).
    if (!mayRemoveMethod(services.listPhoneMethods(userIdOf(s)), pm.id)) {
      s.flash.set('notice', { kind: 'bad', text: w.m.t('sec.lastVerified') });
      return undefined;
    }
    await services.removePhoneMethod(userIdOf(s), pm.id, actorOfSession(s));
    s.flash.set('notice', { kind: 'ok', text: w.m.t('sec.removed') });
    return undefined;
  });
  methodAction('test', async (s, pm, w) => {
    const purpose = pm.verifiedAt ? 'test' : 'enrollment';
    const { attemptId } = await services.startCall(userIdOf(s), pm.id, purpose, w.m.lang, actorOfSession(s));
    return `/me/calls/${attemptId}`;
  });

  app.post('/me/security/app-passwords', async (req, reply) => {
    const w = ctx(req, reply);
    const s = withSelf(w, reply);
    if (!s) return reply;
    if (!csrfOk(req, s.csrfToken)) return csrfFailed(reply, w);
    const name = field(req.body, 'name').slice(0, 60);
    if (!name) return showSecurity(w, reply.code(400), s, { appPasswordError: w.m.t('sec.appPasswordNameRequired') });
    try {
      const created = await services.createAppPassword(userIdOf(s), name, actorOfSession(s));
      return showSecurity(w, reply, s, { newAppPassword: { name: created.name, password: created.password } });
    } catch (err) {
      const p = serviceProblem(err, w.m.lang);
      if (!p) throw err;
      return showSecurity(w, reply.code(400), s, { appPasswordError: Object.values(p.fields)[0] ?? p.message });
    }
  });

  app.post<{ Params: { id: string } }>('/me/security/app-passwords/:id/revoke', async (req, reply) => {
    const w = ctx(req, reply);
    const s = withSelf(w, reply);
    if (!s) return reply;
    if (!csrfOk(req, s.csrfToken)) return csrfFailed(reply, w);
    try {
      await services.revokeAppPassword(userIdOf(s), req.params.id, actorOfSession(s));
      s.flash.set('notice', { kind: 'ok', text: w.m.t('sec.revoked') });
    } catch (err) {
      const p = serviceProblem(err, w.m.lang);
      if (!p) throw err;
      if (p.status === 404) return notFoundPage(reply, w);
      s.flash.set('notice', { kind: 'bad', text: p.message });
    }
    return seeOther(reply, '/me/security');
  });

  registerSessionRoutes(app, deps, withSelf);
}
