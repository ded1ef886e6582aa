import type { PGlite } from "@electric-sql/pglite";

/**
 * One value as a field of PostgreSQL's COPY ... (FORMAT csv): an unquoted empty field is NULL;
 * anything else is quoted, quotes doubled (an empty string stays an empty string).
 */
function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = value instanceof Date ? value.toISOString() : String(value);
  return `"${text.includes('"') ? text.replaceAll('"', '""') : text}"`;
}

/** Rows as COPY's CSV input, fields in the order of `columns`. */
export function csvRows<Row extends object>(columns: readonly (keyof Row & string)[], rows: readonly Row[]): string {
  let out = "";
  for (const row of rows) out += `${columns.map((c) => csvField(row[c])).join(",")}\n`;
  return out;
}

/**
 * Inserts rows with COPY: on the embedded database, several times cheaper per row than a
 * multi-row INSERT, whose parameters PGlite binds one by one.
 */
export async function copyRows<Row extends object>(
  client: PGlite,
  table: string,
  columns: readonly (keyof Row & string)[],
  rows: readonly Row[],
): Promise<void> {
  const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;
  await client.query(`copy ${ident(table)} (${columns.map(ident).join(", ")}) from '/dev/blob' with (format csv)`, [], {
    blob: new Blob([csvRows(columns, rows)]),
  });
}
