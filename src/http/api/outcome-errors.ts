/** Service outcomes → HTTP errors, in one place so every route answers the same way. */
import type { FieldProblem, Outcome } from '../../services/users/service';
import type { Texts } from '../../services/verification/ports';
import { ApiError, notFound, ValidationError } from './errors';
import { fieldError, type Lang } from './field-errors';

export function problemsToError(
  problems: readonly FieldProblem[],
  lang: Lang,
  extra: Record<string, unknown> = {},
): ValidationError {
  return new ValidationError(
    problems.map((p) => fieldError(p.field, p.code, p.message, lang)),
    extra,
  );
}

export function unwrap<T>(o: Outcome<T>, lang: Lang): T {
  if (o.ok) return o.value;
  switch (o.error) {
    case 'not-found':
      throw notFound(o.what);
    case 'conflict':
      throw new ApiError(409, 'conflict', o.message[lang]);
    case 'invalid': {
      const policy = o.problems.find((p) => p.policy);
      throw problemsToError(o.problems, lang, policy ? { error: 'policy-denied', reasonCode: policy.code } : {});
    }
  }
}

export function textIn(t: Texts, lang: Lang): string {
  return t[lang];
}
