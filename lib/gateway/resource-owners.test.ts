import { describe, expect, it } from "vitest";
import {
  knownListing,
  listingKey,
  orderByOwnership,
  ownership,
  rememberAnswer,
  rememberListing,
  templateMatches,
} from "./resource-owners";

const server = (name: string, uris?: string[], templates?: string[]) => ({
  name,
  listing: uris || templates ? { uris: uris ? new Set(uris) : undefined, templates } : undefined,
});

describe("which server a URI belongs to", () => {
  it("the one that listed it, then one whose template matches, then the others, each in assignment order", () => {
    const everything = server(
      "everything",
      ["demo://resource/static/document/a.md"],
      ["demo://resource/dynamic/text/{id}"],
    );
    const files = server("files", ["file:///README.md"], ["file:///{+path}"]);
    const unknown = server("unknown");
    const docs = server("docs", ["file:///docs/a.md"]);
    const order = (uri: string) => orderByOwnership(uri, "uri", [unknown, everything, files, docs]).map((s) => s.name);
    expect(order("file:///docs/a.md")).toEqual(["docs", "files", "unknown", "everything"]);
    expect(order("demo://resource/dynamic/text/7")).toEqual(["everything", "unknown", "files", "docs"]);
    expect(order("file:///README.md")).toEqual(["files", "unknown", "everything", "docs"]);
    expect(order("ui://nobody/app.html")).toEqual(["unknown", "everything", "files", "docs"]);
  });

  it("a template reference (completions) by the template itself", () => {
    const a = server("a", [], ["demo://x/{id}"]);
    const b = server("b", [], ["demo://y/{id}"]);
    expect(orderByOwnership("demo://y/{id}", "template", [a, b]).map((s) => s.name)).toEqual(["b", "a"]);
    expect(ownership("demo://y/{id}", "template", b.listing)).toBe(0);
    expect(ownership("demo://y/1", "template", b.listing)).toBe(2);
  });

  it("a template that cannot be parsed matches nothing", () => {
    expect(templateMatches("demo://x/{id}", "demo://x/1")).toBe(true);
    expect(templateMatches("demo://x/1", "demo://x/1")).toBe(false);
    expect(templateMatches(`demo://{${"a".repeat(1_000_001)}}`, "demo://x")).toBe(false);
  });

  it("is remembered per assignment and credential: listings in halves, and URIs a server answered", () => {
    const key = listingKey(crypto.randomUUID(), "cred");
    expect(knownListing(key)).toBeUndefined();
    rememberListing(key, { uris: ["demo://a"] });
    rememberListing(key, { templates: ["demo://t/{id}"] });
    rememberAnswer(key, "demo://linked");
    const known = knownListing(key);
    expect([...(known?.uris ?? [])]).toEqual(["demo://a", "demo://linked"]);
    expect(known?.templates).toEqual(["demo://t/{id}"]);
  });
});
