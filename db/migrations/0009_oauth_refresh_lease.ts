import type { Kysely } from "kysely";

/**
 * An OAuth refresh is coordinated across replicas by a short lease on the credential instead
 * of a transaction held open while the token endpoint answers: the replica that set
 * `refresh_lease_until` refreshes; the others wait for its result or for the lease to lapse.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("credentials").addColumn("refresh_lease_until", "timestamptz").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("credentials").dropColumn("refresh_lease_until").execute();
}
