import { describe, expect, it } from "vitest";
import { getPath, setPath, textAt } from "./appJson";

describe("dotted paths into the application JSON", () => {
  const app = { kind: "abdm_provider", common: { participant_name: "Sunrise" }, details: { manager: { mobile: "9876543210" } } };

  it("reads nested values and answers undefined for what is not there", () => {
    expect(getPath(app, "details.manager.mobile"), "two levels down").toBe("9876543210");
    expect(getPath(app, "kind"), "a top-level key").toBe("abdm_provider");
    expect(getPath(app, "details.manager.email"), "a missing leaf").toBeUndefined();
    expect(getPath(app, "common.participant_name.x"), "a path through a string stops").toBeUndefined();
    expect(getPath(null, "a.b"), "no object at all").toBeUndefined();
  });

  it("writes a copy, creating objects on the way, and leaves the original alone", () => {
    const next = setPath(app, "details.address.pincode", "560001");
    expect(getPath(next, "details.address.pincode"), "the new leaf is there").toBe("560001");
    expect(getPath(next, "details.manager.mobile"), "siblings survive").toBe("9876543210");
    expect(getPath(app, "details.address"), "the original was not changed").toBeUndefined();
    expect(next.common, "untouched branches are shared, not copied").toBe(app.common);
    const replaced = setPath({ details: "oops" }, "details.gstn", "x");
    expect(replaced, "a non-object on the way is replaced by an object").toEqual({ details: { gstn: "x" } });
  });

  it("gives input text: strings as they are, anything else empty", () => {
    expect(textAt(app, "details.manager.mobile"), "a string").toBe("9876543210");
    expect(textAt(app, "details.manager"), "an object is no text").toBe("");
    expect(textAt({ a: null }, "a"), "null is empty").toBe("");
  });
});
