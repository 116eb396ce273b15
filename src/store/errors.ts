/** Errors the repositories throw for expected situations (the API maps them to 404/409). */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
  constructor(
    readonly entity: string,
    readonly id: string,
  ) {
    super(`${entity} ${id} not found`);
  }
}

export class ConflictError extends Error {
  override readonly name = 'ConflictError';
}

export class InvalidTransitionError extends ConflictError {
  constructor(
    readonly attemptId: string,
    readonly from: string,
    readonly to: string,
  ) {
    super(`attempt ${attemptId} cannot go from ${from} to ${to}`);
  }
}
