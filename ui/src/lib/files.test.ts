import { describe, expect, it } from "vitest";
import { base64FromDataUrl, formatBytes } from "./files";

describe("attachments", () => {
  it("takes the base64 part of a data URL", () => {
    expect(base64FromDataUrl("data:application/pdf;base64,JVBERi0x"), "the PDF bytes").toBe("JVBERi0x");
    expect(base64FromDataUrl("data:text/plain,hello"), "a non-base64 data URL is refused").toBe(null);
    expect(base64FromDataUrl("JVBERi0x"), "plain text is not a data URL").toBe(null);
  });

  it("names sizes the short way", () => {
    expect(formatBytes(900), "bytes").toBe("900 B");
    expect(formatBytes(217_088), "kilobytes, rounded").toBe("212 KB");
    expect(formatBytes(1_468_006), "megabytes with one decimal").toBe("1.4 MB");
  });
});
