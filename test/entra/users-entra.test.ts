/**
 * Users' optional Entra identity (object id, UPN, tenant) for the EAM door: set and cleared through
 * the REST API (checked against the declared response schemas) and by the CSV import, with bad GUIDs
 * and an identity already linked to another user refused.
 */
import { DestinationPolicy } from '../../src/domain/policy';
import { phonePort } from '../../src/services/adapters/phone-policy';
import { importUsers, toImportRows, validateImport } from '../../src/services/users/import';
import { getUserByUsername } from '../../src/store';
import { getEntraIdentity, userByObjectId, userByUpn } from '../../src/store/repo/entra-identities';
import { type ApiHarness, createApiHarness, testPolicyOptions } from '../support/api-harness';

const TENANT = '14c2f153-90a7-4689-9db7-9543bf084dad';
const OID = '951DDB04-B16D-45F3-BBF7-B0FA18FA7AEE';

let h: ApiHarness;
beforeEach(async () => {
  h = await createApiHarness();
});
afterEach(async () => {
  await h.close();
});

it('creates, shows, changes and clears a user’s Entra identity through the API', async () => {
  const created = await h.req('POST', '/api/v1/users', {
    username: 'anna',
    entraObjectId: OID,
    upn: 'Anna@Contoso.example',
    entraTenantId: TENANT,
  });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({
    entraObjectId: OID.toLowerCase(),
    upn: 'anna@contoso.example',
    entraTenantId: TENANT,
  });
  expect(userByObjectId(h.store.db, TENANT, OID)?.username).toBe('anna');
  expect(userByObjectId(h.store.db, '9122040d-6c67-4c5b-b112-36a304b66dad', OID)).toBeUndefined();
  expect(userByUpn(h.store.db, 'ANNA@contoso.example')?.username).toBe('anna');

  const taken = await h.req('POST', '/api/v1/users', { username: 'bob', entraObjectId: OID });
  expect(taken.status).toBe(409);
  const bad = await h.req('POST', '/api/v1/users', { username: 'carl', entraObjectId: 'not-a-guid' });
  expect(bad.status).toBe(422);

  const id = created.body.id as string;
  const patched = await h.req('PATCH', `/api/v1/users/${id}`, { upn: null });
  expect(patched.status).toBe(200);
  expect(patched.body).toMatchObject({ entraObjectId: OID.toLowerCase(), upn: null });
  const cleared = await h.req('PATCH', `/api/v1/users/${id}`, { entraObjectId: null, entraTenantId: null });
  expect(cleared.body).toMatchObject({ entraObjectId: null, upn: null, entraTenantId: null });
  expect(getEntraIdentity(h.store.db, id)).toBeUndefined();
  const list = await h.req('GET', '/api/v1/users?username=anna');
  expect(list.body.users[0]).toMatchObject({ entraObjectId: null });
});

it('imports the Entra columns from CSV and reports bad or duplicate identities by line', () => {
  const phones = phonePort(new DestinationPolicy(testPolicyOptions()));
  const rows = toImportRows([
    {
      line: 1,
      fields: [
        'username',
        'display name',
        'language',
        'office number',
        'extension',
        'country',
        'entra object id',
        'upn',
        'entra tenant id',
      ],
    },
    { line: 2, fields: ['anna', 'Anna', 'sv-SE', '08-123 456 78', '', 'SE', OID, 'anna@contoso.example', TENANT] },
    { line: 3, fields: ['bob', 'Bob', 'en-GB', '08-123 456 79', '', 'SE', OID, '', ''] },
    { line: 4, fields: ['carl', 'Carl', 'en-GB', '08-123 456 70', '', 'SE', 'xyz', '', ''] },
    { line: 5, fields: ['dora', 'Dora', 'sv-SE', '', '', '', '', 'dora@contoso.example', ''] },
  ]);
  const { valid, problems } = validateImport(h.store, phones, rows, { language: 'sv-SE', country: 'SE' });
  expect(problems).toEqual([
    expect.objectContaining({ line: 3, field: 'entra object id', message: expect.stringContaining('also on line 2') }),
    expect.objectContaining({ line: 4, field: 'entra object id', message: expect.stringContaining('GUID') }),
  ]);
  expect(valid.map((v) => v.username)).toEqual(['anna', 'dora']);
  expect(importUsers(h.store, valid, 'cli')).toBe(2);
  const anna = getUserByUsername(h.store.db, 'anna')!;
  expect(getEntraIdentity(h.store.db, anna.id)).toMatchObject({
    objectId: OID.toLowerCase(),
    upn: 'anna@contoso.example',
    tenantId: TENANT,
  });
  expect(userByUpn(h.store.db, 'dora@contoso.example')?.username).toBe('dora');
});
