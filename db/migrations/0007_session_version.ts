import { type Kysely, sql } from "kysely";

/**
 * A session version per person. Every session cookie carries the version it was issued at and
 * stops working once the version moves on: at sign-out (lib/auth/session-version.ts), and here,
 * in the database, whenever a person's password, role or disabled state changes, whichever code
 * changes it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("users")
    .addColumn("session_version", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`
    create function users_bump_session_version() returns trigger language plpgsql as $$
    begin
      if new.password_hash is distinct from old.password_hash
        or new.role is distinct from old.role
        or new.disabled_at is distinct from old.disabled_at then
        new.session_version := old.session_version + 1;
      end if;
      return new;
    end
    $$`.execute(db);
  await sql`
    create trigger users_session_version before update on users
    for each row execute function users_bump_session_version()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger if exists users_session_version on users`.execute(db);
  await sql`drop function if exists users_bump_session_version()`.execute(db);
  await db.schema.alterTable("users").dropColumn("session_version").execute();
}
