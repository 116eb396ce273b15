/**
 * An employee may remove a phone method unless it is their last verified one: removing it would
 * leave no way to approve a sign-in, so another method must be verified first (issue 18a).
 * Administrators resetting a user's methods are not bound by this (they re-register the user).
 */
export function mayRemoveMethod(
  methods: readonly { readonly id: string; readonly verifiedAt: number | null }[],
  id: string,
): boolean {
  const target = methods.find((pm) => pm.id === id);
  if (!target?.verifiedAt) return true;
  return methods.some((pm) => pm.id !== id && pm.verifiedAt !== null);
}
