import { describe, expect, it } from "vitest";
import { expandInstanceDir, expandInstanceDirArgs, INSTANCE_DIR_REFERENCE } from "./instance-dir";

describe("the instance's own directory in arguments and values", () => {
  it("is put in place as it is, even where it has characters that replacement patterns treat specially", () => {
    const dir = "/srv/a$$b/$&/$'x";
    expect(expandInstanceDirArgs(["--root", `${INSTANCE_DIR_REFERENCE}/files`, "plain"], dir)).toEqual([
      "--root",
      `${dir}/files`,
      "plain",
    ]);
    expect(
      expandInstanceDir({ FILE: `${INSTANCE_DIR_REFERENCE}/g.jsonl`, MCP_INSTANCE_DIR: "/elsewhere" }, dir),
    ).toEqual({
      FILE: `${dir}/g.jsonl`,
    });
  });
});
