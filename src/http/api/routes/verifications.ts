/** Starting verification calls: enrollment (`…/verify`) and sign-in (`/verifications`). */
import { getUserByUsername } from '../../../store';
import { actorOf } from '../../auth/principal';
import type { ApiContext } from '../context';
import { notFound } from '../errors';
import { type ApiRoute, defineRoute } from '../route';
import { AttemptAccepted, ErrorBody, MethodParams, StartVerificationBody } from '../schemas';
import { startResultToHttp } from '../start-result';

const RESPONSES = {
  202: {
    description: 'Accepted: the call is queued (or approved at once by a one-time bypass).',
    schema: AttemptAccepted,
  },
  404: { description: 'No such user or phone method.', schema: ErrorBody },
  409: { description: 'The user has no (verified) phone to call.', schema: ErrorBody },
  422: {
    description: 'Refused by the destination policy or the user is blocked; `reasonCode` says why. No call is placed.',
    schema: ErrorBody,
  },
  429: { description: 'Over a rate limit; see Retry-After. No call is placed.', schema: ErrorBody },
  503: {
    description:
      'This node is draining (shutting down): no call is placed; retry after Retry-After, or on another node.',
    schema: ErrorBody,
  },
};

export function verificationRoutes(ctx: ApiContext): ApiRoute[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/api/v1/users/:id/phone-methods/:methodId/verify',
      operationId: 'verifyPhoneMethod',
      summary: 'Enrollment: call the phone; pressing # verifies it',
      tags: ['verifications'],
      auth: 'integration',
      params: MethodParams,
      responses: RESPONSES,
      handler: ({ params, principal, lang }) =>
        startResultToHttp(
          ctx.verification.start({
            userId: params.id,
            methodId: params.methodId,
            purpose: 'enrollment',
            requestedBy: actorOf(principal),
          }),
          lang,
        ),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/users/:id/phone-methods/:methodId/test',
      operationId: 'testPhoneMethod',
      summary: 'Test call to a phone (changes nothing on approval)',
      tags: ['verifications'],
      auth: 'integration',
      params: MethodParams,
      responses: RESPONSES,
      handler: ({ params, principal, lang }) =>
        startResultToHttp(
          ctx.verification.start({
            userId: params.id,
            methodId: params.methodId,
            purpose: 'test',
            requestedBy: actorOf(principal),
          }),
          lang,
        ),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/verifications',
      operationId: 'startSignIn',
      summary: 'Sign-in: call the user (default phone unless methodId) to approve',
      tags: ['verifications'],
      auth: 'integration',
      body: StartVerificationBody,
      responses: RESPONSES,
      handler: ({ body, principal, lang }) => {
        let userId = body.userId;
        if (body.username !== undefined) {
          const u = getUserByUsername(ctx.store.db, body.username);
          if (!u) throw notFound('user');
          userId = u.id;
        }
        return startResultToHttp(
          ctx.verification.start({
            userId: userId!,
            purpose: 'sign-in',
            requestedBy: actorOf(principal),
            ...(body.methodId ? { methodId: body.methodId } : {}),
          }),
          lang,
        );
      },
    }),
  ];
}
