import { AppError } from "@/lib/errors";

/** The most pages read of one list, and the most entries kept, whatever the server says. */
export const MAX_LIST_PAGES = 50;
export const MAX_LIST_ITEMS = 5000;

export interface ListPagesOptions {
  /** What is listed, for the error message ("Everything's tools"). */
  what: string;
  maxPages?: number;
  maxItems?: number;
}

/**
 * Every entry of a paginated MCP list (tools, prompts, resources, templates), following
 * `nextCursor` no further than a page limit and an entry limit, and refusing a cursor the server
 * already gave (a list that would never end). The cursor is the server's own string: only
 * compared, never interpreted.
 */
export async function listAllPages<T>(
  page: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor?: string }>,
  options: ListPagesOptions,
): Promise<T[]> {
  const maxPages = options.maxPages ?? MAX_LIST_PAGES;
  const maxItems = options.maxItems ?? MAX_LIST_ITEMS;
  const items: T[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let pages = 0; ; pages++) {
    if (pages === maxPages)
      throw new AppError(
        "unavailable",
        `${options.what} did not end after ${maxPages} pages: the server's list is cut off there.`,
      );
    const next = await page(cursor);
    items.push(...next.items);
    if (items.length > maxItems)
      throw new AppError(
        "unavailable",
        `${options.what} has more than ${maxItems} entries, more than the gateway takes.`,
      );
    if (next.nextCursor === undefined || next.nextCursor === "") return items;
    if (seen.has(next.nextCursor))
      throw new AppError("unavailable", `${options.what} never ends: the server gave the same page cursor twice.`);
    seen.add(next.nextCursor);
    cursor = next.nextCursor;
  }
}
