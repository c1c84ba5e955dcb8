import { describe, expect, it } from "vitest";
import { href, parseHash } from "./route";

describe("hash routes", () => {
  it("splits the path and decodes each segment", () => {
    const r = parseHash("#/thread/c%2F1");
    expect(r.segments, "an id with a slash survives as one segment").toEqual(["thread", "c/1"]);
  });

  it("reads the query", () => {
    const r = parseHash("#/compose/claim?from=abc&mode=enhance");
    expect(r.segments, "the path without the query").toEqual(["compose", "claim"]);
    expect(r.query.get("from"), "the preauth a claim comes from").toBe("abc");
    expect(r.query.get("mode"), "a second parameter").toBe("enhance");
  });

  it("treats an empty hash as the root", () => {
    expect(parseHash("").segments, "no hash: the default screen").toEqual([]);
    expect(parseHash("#/bad%E0%A4").segments, "a broken escape is kept as typed").toEqual([
      "bad%E0%A4",
    ]);
    expect(href("queue"), "links always start with #/").toBe("#/queue");
  });
});
