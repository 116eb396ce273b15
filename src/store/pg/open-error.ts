/** What opening a PostgreSQL store reports when it fails: where, what, what to do — English and Swedish. */

/** Why opening failed, with where and what to do (English; `sv` in Swedish); never the password. */
export class PgOpenError extends Error {
  override readonly name = 'PgOpenError';
  constructor(
    message: string,
    readonly sv: string,
    readonly target: string,
  ) {
    super(message);
  }
}

export interface Hint {
  readonly what: string;
  readonly whatSv: string;
  readonly todo: string;
  readonly todoSv: string;
}

export const CONNECT: Hint = {
  what: 'cannot connect',
  whatSv: 'kan inte ansluta',
  todo: 'Check that the server runs and accepts TCP there, that the database exists, and the user and password (URL or PGPASSWORD).',
  todoSv:
    'Kontrollera att servern kör och tar emot TCP där, att databasen finns, och användare och lösenord (URL eller PGPASSWORD).',
};

export const MIGRATE: Hint = {
  what: 'applying the migrations in db/pg failed',
  whatSv: 'migreringarna i db/pg gick inte att köra',
  todo: 'The user needs CREATE on the database and schema public; fix the cause and run again (applied migrations are kept).',
  todoSv:
    'Användaren behöver CREATE på databasen och schemat public; rätta orsaken och kör igen (körda migreringar finns kvar).',
};
