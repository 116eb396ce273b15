/**
 * The configuration schema: every key fyrkant reads. `config/default.yaml` documents each one and
 * sets its default; this file says what is valid. Objects are strict so a typo is an error, not a
 * silently ignored key.
 */
import { isSupportedCountry } from 'libphonenumber-js/max';
import { z } from 'zod';
import { NUMBER_TYPES } from '../domain/phone/number-type';
import { isAddressOrCidr, RADIUS_MODES } from '../domain/radius/client-rules';

const port = z.number().int().min(1).max(65535);
const host = z.string().min(1);
const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();
/** A BCP 47 language tag such as `sv-SE` or `en-US`. */
const languageTag = z
  .string()
  .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'expected a language tag such as sv-SE or en-US');
const countryCode = z
  .string()
  .regex(/^[A-Z]{2}$/, 'expected a two-letter country code such as SE')
  .refine((c) => isSupportedCountry(c), 'expected a country with a calling code (ISO 3166-1 alpha-2, e.g. SE, GB)');
const sipUri = z.string().regex(/^sips?:[^\s]+$/, 'expected a SIP URI such as sip:pbx.example.com:5060');
/** E.164 prefix, e.g. `+46900` or `+44`. */
const e164Prefix = z.string().regex(/^\+[1-9][0-9]{0,14}$/, 'expected an E.164 prefix such as +46900');
const e164 = z.string().regex(/^\+[1-9][0-9]{3,14}$/, 'expected an E.164 number such as +46812345000');
const secret = z.string().min(1).nullable();
const filePath = z.string().min(1).nullable();
const cron = z.string().regex(/^\S+( \S+){4,5}$/, 'expected a cron expression such as "*/5 * * * *"');

export { NUMBER_TYPES, type NumberType } from '../domain/phone/number-type';

export const DTMF_MODES = ['rfc4733', 'info', 'inband'] as const;

const rateWindow = z.strictObject({
  max: nonNegativeInt,
  windowSeconds: positiveInt,
});

const internalRange = z
  .strictObject({
    from: e164,
    to: e164,
    extensionDigits: z.number().int().min(1).max(15),
    requestUri: z.string().includes('{ext}', { message: 'expected a URI template containing {ext}' }),
  })
  .refine((r) => r.from.length === r.to.length && r.from <= r.to, {
    message: 'expected from ≤ to, both with the same number of digits',
  });

/** One RADIUS client (NAS, VPN concentrator, proxy): its source, shared secret source and mode. */
const radiusClient = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'expected a short name such as vpn-1 (letters, digits, . _ -)'),
    /** Source address or CIDR the client's packets come from. */
    address: z
      .string()
      .refine((a) => isAddressOrCidr(a), 'expected an IP address or CIDR such as 10.0.0.5 or 10.0.0.0/24'),
    /** The shared secret is never in YAML: an environment variable's name, or a file holding it. */
    secretEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name such as RADIUS_SECRET_VPN')
      .refine(
        (n) => !n.startsWith('FYRKANT_'),
        'FYRKANT_… variables are configuration keys; use another name, e.g. RADIUS_SECRET_VPN',
      )
      .nullable()
      .default(null),
    secretFile: z.string().min(1).nullable().default(null),
    mode: z.enum(RADIUS_MODES),
    /** fyrkant usernames this client may verify; "*" = every user. */
    allowedUsers: z.array(z.string().min(1)).min(1),
    /** Take `user@realm` / `DOMAIN\user` as `user` before looking the user up. */
    stripRealm: z.boolean().default(false),
    /** BlastRADIUS: drop requests without a valid Message-Authenticator. false only for old gear (logged). */
    requireMessageAuthenticator: z.boolean().default(true),
  })
  .refine((c) => (c.secretEnv === null) !== (c.secretFile === null), {
    message: 'expected exactly one of secretEnv (an environment variable name) or secretFile (a file path)',
    path: ['secretEnv'],
  });

/** Where a user's DN comes from in a directory (RADIUS password checks and employee sign-in alike). */
const ldapDirectory = {
  url: z
    .string()
    .regex(/^ldaps?:\/\/\S+$/, 'expected an LDAP URL such as ldaps://dc1.example.com')
    .nullable(),
  bindDnTemplate: z
    .string()
    .includes('{username}', { message: 'expected a template containing {username}' })
    .nullable(),
  searchBase: z.string().min(1).nullable(),
  searchFilter: z.string().includes('{username}', { message: 'expected a filter containing {username}' }),
  searchBindDn: z.string().min(1).nullable(),
  searchBindPassword: secret,
  searchBindPasswordFile: filePath,
};

/** issue 18a: OpenID Connect (code + PKCE) and/or LDAP bind sign-in for employees. */
const employeeSignIn = z
  .strictObject({
    logoFile: filePath,
    oidc: z.strictObject({
      enabled: z.boolean(),
      issuer: z.url().nullable(),
      clientId: z.string().min(1).nullable(),
      clientSecret: secret,
      clientSecretFile: filePath,
      redirectUri: z.url().nullable(),
      scopes: z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'expected a scope such as openid')).min(1),
      userClaim: z.string().min(1),
      requiredGroup: z.string().min(1).nullable(),
      groupsClaim: z.string().min(1),
      displayName: z.string().min(1).nullable(),
      timeoutSeconds: z.number().int().min(1).max(60),
    }),
    ldap: z.strictObject({
      enabled: z.boolean(),
      ...ldapDirectory,
      userAttribute: z.string().regex(/^[A-Za-z][A-Za-z0-9-]*$/, 'expected an attribute name such as uid'),
      startTls: z.boolean(),
      caFile: filePath,
      rejectUnauthorized: z.boolean(),
      timeoutSeconds: z.number().int().min(1).max(60),
    }),
  })
  .superRefine((e, ctx) => {
    if (e.oidc.enabled) {
      for (const key of ['issuer', 'clientId'] as const)
        if (!e.oidc[key])
          ctx.addIssue({ code: 'custom', path: ['oidc', key], message: 'required when employeeSignIn.oidc.enabled' });
    }
    if (e.ldap.enabled) {
      if (!e.ldap.url)
        ctx.addIssue({ code: 'custom', path: ['ldap', 'url'], message: 'required when employeeSignIn.ldap.enabled' });
      if (!e.ldap.bindDnTemplate && !e.ldap.searchBase)
        ctx.addIssue({
          code: 'custom',
          path: ['ldap', 'bindDnTemplate'],
          message: 'set bindDnTemplate (e.g. "uid={username},ou=people,dc=example,dc=com") or searchBase',
        });
    }
  });

export const configSchema = z
  .strictObject({
    companyName: z.string().min(1),
    defaultLanguage: languageTag,
    homeCountry: countryCode,
    // issue 18c: the languages a user may have, and how the country drop-down lists countries.
    languages: z.array(languageTag).min(1),
    countryList: z.enum(['allowed-first', 'allowed-only', 'all']),
    dataDir: z.string().min(1),
    log: z.strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    }),
    http: z.strictObject({
      address: host,
      port: z.number().int().min(0).max(65535),
      publicUrl: z.url().nullable(),
      trustProxy: z.boolean(),
      sessionSecret: secret,
      sessionSecretFile: filePath,
      sessionIdleMinutes: z
        .number()
        .int()
        .min(1)
        .max(24 * 60),
      sessionAbsoluteHours: z
        .number()
        .int()
        .min(1)
        .max(24 * 30),
    }),
    database: z.strictObject({
      path: z.string().min(1),
      busyTimeoutMs: nonNegativeInt,
    }),
    telephony: z.strictObject({
      backend: z.enum(['embedded', 'drachtio']),
      ringTimeoutSeconds: z.number().int().min(5).max(300),
      allowSipUriDial: z.boolean(),
    }),
    sip: z.strictObject({
      address: host,
      port: z.number().int().min(0).max(65535),
      transport: z.enum(['udp', 'tcp']),
      advertisedAddress: host.nullable(),
      userAgent: z.string().min(1).max(200).nullable(),
      maxMessageSize: z.number().int().min(1500).max(1_048_576),
      timers: z.strictObject({ t1Ms: positiveInt, t2Ms: positiveInt, t4Ms: positiveInt }),
      trunk: z.strictObject({
        uri: sipUri.nullable(),
        outboundProxy: sipUri.nullable(),
        domain: host.nullable(),
        username: z.string().min(1).nullable(),
        password: secret,
        passwordFile: filePath,
        fromUser: z.string().min(1),
        displayName: z.string().nullable(),
        callerId: z.string().min(1).nullable(),
        pAssertedIdentity: z.string().min(1).nullable(),
        register: z.strictObject({ enabled: z.boolean(), expiresSeconds: z.number().int().min(60).max(86_400) }),
        keepaliveSeconds: nonNegativeInt,
        /** SRTP (SDES) toward this trunk, embedded backend (issue 13). */
        srtp: z.enum(['off', 'optional', 'required']),
      }),
      // issue 13: what a stranger can make the SIP stack hold.
      limits: z.strictObject({
        maxTcpConnections: z.number().int().min(1).max(100_000),
        maxTcpPerSource: z.number().int().min(1).max(100_000),
        tcpFirstMessageMs: z.number().int().min(100).max(600_000),
        tcpIdleMs: z.number().int().min(1000).max(86_400_000),
        maxServerTransactions: z.number().int().min(16).max(1_000_000),
        maxRequestBytes: z.number().int().min(1500).max(1_048_576),
        requestsPerSecond: z.number().min(0.1).max(100_000),
        requestBurst: z.number().int().min(1).max(1_000_000),
      }),
    }),
    media: z
      .strictObject({
        address: host,
        advertisedAddress: host.nullable(),
        rtpPortMin: port,
        rtpPortMax: port,
        inbandDtmf: z.enum(['auto', 'always', 'never']),
        /** G.711 codecs offered to the PBX, in preference order (telephone-event is always added). */
        codecs: z.array(z.enum(['PCMU', 'PCMA'])).min(1),
        /** Offer SRTP toward the PBX (drachtio backend only); default false = plain RTP/AVP. */
        srtp: z.boolean(),
        dtmf: z.strictObject({
          receiveModes: z.array(z.enum(DTMF_MODES)).min(1),
          sendMode: z.enum(DTMF_MODES),
          toneMs: z.number().int().min(40).max(1000),
          gapMs: z.number().int().min(40).max(1000),
        }),
        /** Which RTP sources a call accepts (issue 13): same-host (default), learn (weaker, NAT), strict. */
        rtpSource: z.enum(['same-host', 'learn', 'strict']),
        /** Media worker threads (issue 20): auto = one per core; 0 = media in the main thread. */
        workers: z.union([z.literal('auto'), z.number().int().min(0).max(64)]),
        /** A media worker whose heartbeat stops this long (ms) is hung: terminated, its calls ended, replaced. */
        workerHangMs: z.number().int().min(1000).max(60_000),
      })
      .refine((m) => m.rtpPortMin < m.rtpPortMax, {
        message: 'expected rtpPortMin < rtpPortMax',
        path: ['rtpPortMax'],
      }),
    drachtio: z.strictObject({
      host,
      port,
      secret,
      secretFile: filePath,
      freeswitch: z.strictObject({
        address: host,
        port,
        secret,
        secretFile: filePath,
        listenAddress: host,
        listenPort: port,
        advertisedAddress: host.nullable(),
        advertisedPort: port.nullable(),
        profile: z.string().min(1),
      }),
      promptPathMapping: z.strictObject({
        localDir: z.string().min(1).nullable(),
        remoteDir: z.string().min(1).nullable(),
      }),
    }),
    ivr: z.strictObject({
      scriptsDir: z.string().min(1),
      promptCacheDir: z.string().min(1),
      defaultScript: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a script id such as office-phone-verify'),
      maxCallSeconds: z.number().int().min(10).max(3600),
      // issue 15: limits for recordings uploaded in the script editor / over the API.
      recordings: z.strictObject({
        maxBytes: z
          .number()
          .int()
          .min(1024)
          .max(50 * 1_048_576),
        maxSeconds: z.number().int().min(1).max(600),
      }),
    }),
    dialPlan: z.strictObject({
      requestUri: z.string().regex(/^sips?:.*\{(e164|e164digits|national)\}/, {
        message: 'expected a SIP URI template with {e164}, {e164digits} or {national}',
      }),
      outsideLinePrefix: z.string().regex(/^[0-9*#]*$/, 'expected digits, * or #'),
      extension: z.strictObject({
        preDelayMs: z.number().int().min(0).max(30_000),
        postDelayMs: z.number().int().min(0).max(30_000),
      }),
      internalRanges: z.array(internalRange),
    }),
    policy: z.strictObject({
      allowedCountries: z.array(countryCode),
      blockedTypes: z.array(z.enum(NUMBER_TYPES)),
      allowPrefixes: z.array(e164Prefix),
      denyPrefixes: z.array(e164Prefix),
      rateLimits: z.strictObject({
        perUser: rateWindow,
        perNumber: rateWindow,
        globalConcurrent: positiveInt,
        globalPerMinute: positiveInt,
        // issue 19: calls in progress on one node; 0 = only the global limit applies.
        perNodeConcurrent: nonNegativeInt.default(0),
      }),
    }),
    verification: z.strictObject({
      fraudAutoBlockDays: nonNegativeInt,
      retry: z.strictObject({ maxRetries: z.number().int().min(0).max(10), backoffSeconds: positiveInt }),
      enrollmentLinkTtlMinutes: positiveInt,
      bypassTtlSeconds: positiveInt,
    }),
    /** Entra ID External Authentication Method: fyrkant as an OpenID provider (see docs/entra-eam.md). */
    entraEam: z.strictObject({
      enabled: z.boolean(),
      issuer: z.url().nullable(),
      clients: z.array(
        z.strictObject({
          clientId: z.string().min(1).max(200),
          appId: z.string().min(1).max(200),
          tenants: z.array(z.string().regex(/^[0-9a-fA-F-]{36}$/, 'expected a tenant id (GUID)')).min(1),
          hintAudiences: z.array(z.string().min(1)).nullable(),
        }),
      ),
      extraRedirectUris: z.array(z.url()),
      entra: z.strictObject({
        jwksUrl: z.url(),
        issuerTemplates: z
          .array(z.string().includes('{tenantId}', { message: 'expected a template containing {tenantId}' }))
          .min(1),
        caFile: filePath,
      }),
      userLinking: z.enum(['object-id', 'object-id-then-upn']),
      timeoutSeconds: z.number().int().min(5).max(600),
      hintMaxAgeSeconds: z.number().int().min(30).max(86_400),
      idTokenLifetimeSeconds: z.number().int().min(60).max(3600),
      maxCallsPerSignIn: z.number().int().min(1).max(10),
      keys: z.strictObject({
        encryptionKey: secret,
        encryptionKeyFile: filePath,
        rotationDelayHours: z
          .number()
          .min(0)
          .max(24 * 30),
      }),
    }),
    jobs: z.strictObject({
      retentionDays: positiveInt,
      trunkHealthCron: cron,
      expiryCron: cron,
      retentionCron: cron,
    }),
    radius: z
      .strictObject({
        enabled: z.boolean(),
        address: host,
        port: z.number().int().min(0).max(65535),
        duplicateWindowSeconds: z.number().int().min(1).max(300),
        answerTimeoutSeconds: z.number().int().min(10).max(600),
        challengeTtlSeconds: z.number().int().min(10).max(3600),
        ldap: z.strictObject({
          ...ldapDirectory,
          timeoutSeconds: z.number().int().min(1).max(60),
        }),
        clients: z.array(radiusClient),
      })
      .superRefine((r, ctx) => {
        const names = new Set<string>();
        r.clients.forEach((c, i) => {
          if (names.has(c.name))
            ctx.addIssue({ code: 'custom', path: ['clients', i, 'name'], message: `duplicate client name ${c.name}` });
          names.add(c.name);
          if (c.mode === 'password-then-call' && !r.ldap.url)
            ctx.addIssue({
              code: 'custom',
              path: ['clients', i, 'mode'],
              message: 'password-then-call needs radius.ldap.url (and bindDnTemplate or searchBase)',
            });
        });
        if (r.ldap.url && !r.ldap.bindDnTemplate && !r.ldap.searchBase)
          ctx.addIssue({
            code: 'custom',
            path: ['ldap', 'bindDnTemplate'],
            message: 'set bindDnTemplate (e.g. "uid={username},ou=people,dc=example,dc=com") or searchBase',
          });
      }),
    /** Employees sign in to Security info with the company IdP (issue 18a; see README "Employee sign-in"). */
    employeeSignIn: employeeSignIn,
    // issue 18b: enrollment links by e-mail.
    mail: z.strictObject({
      enabled: z.boolean(),
      from: z.string().min(3).nullable(),
      smtp: z.strictObject({
        host: host.nullable(),
        port,
        secure: z.boolean(),
        requireTls: z.boolean(),
        username: z.string().min(1).nullable(),
        password: secret,
        passwordFile: filePath,
        rejectUnauthorized: z.boolean(),
        timeoutSeconds: z.number().int().min(1).max(300),
      }),
    }),
    // issue 19: node registry, drain and call ownership.
    node: z.strictObject({
      id: z
        .string()
        .regex(/^[A-Za-z0-9._:@-]{1,128}$/, 'expected a short name such as fyrkant-1 (letters, digits, . _ : @ -)')
        .nullable(),
      heartbeatSeconds: z.number().int().min(1).max(60),
      leaseSeconds: z.number().int().min(3).max(600),
      drainSeconds: z.number().int().min(0).max(86_400),
      retryInterrupted: z.boolean(),
      remoteAttemptPollMs: z.number().int().min(50).max(10_000),
    }),
  })
  .superRefine((c, ctx) => {
    if (c.node.leaseSeconds < 3 * c.node.heartbeatSeconds)
      ctx.addIssue({
        code: 'custom',
        path: ['node', 'leaseSeconds'],
        message: `expected at least 3 × node.heartbeatSeconds (${3 * c.node.heartbeatSeconds}): a lease must outlive a missed heartbeat or two`,
      });
    if (c.mail.enabled && !c.mail.smtp.host)
      ctx.addIssue({
        code: 'custom',
        path: ['mail', 'smtp', 'host'],
        message: 'required when mail.enabled: the SMTP server that sends enrollment e-mails, e.g. smtp.example.com',
      });
    if (c.mail.enabled && !c.mail.from)
      ctx.addIssue({
        code: 'custom',
        path: ['mail', 'from'],
        message: 'required when mail.enabled: the sender, e.g. "IT <it@example.com>"',
      });
    if (c.telephony.backend === 'drachtio' && !c.drachtio.secret)
      ctx.addIssue({
        code: 'custom',
        path: ['drachtio', 'secret'],
        message: 'required when telephony.backend is drachtio (set FYRKANT_DRACHTIO__SECRET or drachtio.secretFile)',
      });
    if (c.telephony.backend === 'drachtio' && !c.drachtio.freeswitch.secret)
      ctx.addIssue({
        code: 'custom',
        path: ['drachtio', 'freeswitch', 'secret'],
        message:
          'required when telephony.backend is drachtio: the FreeSWITCH event-socket password (set FYRKANT_DRACHTIO__FREESWITCH__SECRET or drachtio.freeswitch.secretFile)',
      });
    if (c.sip.trunk.password && !c.sip.trunk.username)
      ctx.addIssue({
        code: 'custom',
        path: ['sip', 'trunk', 'username'],
        message: 'required when a trunk password is set',
      });
    if (c.entraEam.enabled && !c.entraEam.keys.encryptionKey)
      ctx.addIssue({
        code: 'custom',
        path: ['entraEam', 'keys', 'encryptionKey'],
        message:
          'required when entraEam.enabled: the key that encrypts the signing keys at rest (set FYRKANT_ENTRA_EAM__KEYS__ENCRYPTION_KEY or entraEam.keys.encryptionKeyFile; at least 32 characters)',
      });
    if (c.entraEam.enabled && !c.entraEam.issuer && !c.http.publicUrl)
      ctx.addIssue({
        code: 'custom',
        path: ['entraEam', 'issuer'],
        message:
          'required when entraEam.enabled (or set http.publicUrl): the public HTTPS URL Entra reaches fyrkant at',
      });
    if (!c.languages.some((l) => l.toLowerCase() === c.defaultLanguage.toLowerCase()))
      ctx.addIssue({
        code: 'custom',
        path: ['defaultLanguage'],
        message: `must be one of languages (${c.languages.join(', ')})`,
      });
  });

export type Config = z.infer<typeof configSchema>;

/**
 * Secret keys, each with its `…File` sibling: the loader reads the file into the key, `config check`
 * masks the value, the logger never sees it.
 */
export const SECRET_PATHS: readonly (readonly string[])[] = [
  ['sip', 'trunk', 'password'],
  ['drachtio', 'secret'],
  ['drachtio', 'freeswitch', 'secret'],
  ['http', 'sessionSecret'],
  ['radius', 'ldap', 'searchBindPassword'],
  ['entraEam', 'keys', 'encryptionKey'],
  ['employeeSignIn', 'oidc', 'clientSecret'],
  ['employeeSignIn', 'ldap', 'searchBindPassword'],
  ['mail', 'smtp', 'password'],
];

/** Keys holding filesystem paths, resolved against the working directory on load. */
export const PATH_KEYS: readonly (readonly string[])[] = [
  ['dataDir'],
  ['database', 'path'],
  ['ivr', 'scriptsDir'],
  ['ivr', 'promptCacheDir'],
  ['sip', 'trunk', 'passwordFile'],
  ['drachtio', 'secretFile'],
  ['drachtio', 'freeswitch', 'secretFile'],
  ['http', 'sessionSecretFile'],
  ['radius', 'ldap', 'searchBindPasswordFile'],
  ['entraEam', 'keys', 'encryptionKeyFile'],
  ['entraEam', 'entra', 'caFile'],
  ['employeeSignIn', 'logoFile'],
  ['employeeSignIn', 'oidc', 'clientSecretFile'],
  ['employeeSignIn', 'ldap', 'searchBindPasswordFile'],
  ['employeeSignIn', 'ldap', 'caFile'],
  ['mail', 'smtp', 'passwordFile'],
];
