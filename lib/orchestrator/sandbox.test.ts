import { describe, expect, it } from "vitest";
import { ALWAYS_HIDDEN, bubblewrapArgs, revealedPaths } from "./sandbox";

describe("an app that lives in /tmp", () => {
  it("is shown again read-only over the instance's empty /tmp, its data directory hidden again", () => {
    const reveal = revealedPaths({ hide: ["/tmp/fresh/data", ...ALWAYS_HIDDEN], appDir: "/tmp/fresh", searchPath: "" });
    expect(reveal).toEqual(["/tmp/fresh"]);
    const args = bubblewrapArgs(
      { instanceDir: "/tmp/fresh/data/instances/a", hide: ["/tmp/fresh/data"], reveal, blankFiles: [] },
      "node",
      [],
    ).join(" ");
    expect(args).toContain(
      "--tmpfs /tmp --tmpfs /tmp/fresh/data --ro-bind /tmp/fresh /tmp/fresh --tmpfs /tmp/fresh/data",
    );
  });
});
