import { describe, expect, it } from "vitest";
import {
  add,
  compare,
  formatIndian,
  formatMoney,
  groupIndian,
  isDecimal,
  isZero,
  mul,
  normalizeAmountInput,
  sub,
  sum,
} from "./decimal";

describe("exact decimal arithmetic", () => {
  it("adds without binary floating point error", () => {
    expect(add("0.1", "0.2"), "0.1 + 0.2 is exactly 0.3 in decimal, unlike a float").toBe("0.3");
    expect(add("125000.50", "0.5"), "the result keeps the larger scale").toBe("125001.00");
    expect(add("-5", "2.25"), "a negative operand subtracts").toBe("-2.75");
  });

  it("subtracts and keeps the sign", () => {
    expect(sub("10.00", "12.5"), "10 − 12.5 is −2.5 at the larger scale").toBe("-2.50");
    expect(sub("0.3", "0.1"), "subtraction is exact too").toBe("0.2");
  });

  it("multiplies quantity by unit price exactly", () => {
    expect(mul("3", "1250.50"), "a line total is quantity × unit price").toBe("3751.50");
    expect(mul("1.5", "0.1"), "scales add up: 1 + 1 places").toBe("0.15");
    expect(mul("0.07", "3"), "0.07 × 3 is 0.21; as floats it would be 0.21000000000000002").toBe(
      "0.21",
    );
  });

  it("sums a list, including the empty list", () => {
    expect(sum([]), "no items sum to zero").toBe("0");
    expect(sum(["0.1", "0.1", "0.1"]), "three dimes are exactly 0.3").toBe("0.3");
    // 10^20 is past Number.MAX_SAFE_INTEGER; BigInt keeps every digit.
    expect(sum(["99999999999999999999.99", "0.01"]), "no precision is lost on huge sums").toBe(
      "100000000000000000000.00",
    );
  });

  it("compares across scales", () => {
    expect(compare("1.50", "1.5"), "trailing zeros do not change the value").toBe(0);
    expect(compare("2", "10"), "numeric, not lexicographic, order").toBe(-1);
    expect(compare("-1", "-2"), "−1 is greater than −2").toBe(1);
    expect(isZero("0.000"), "zero at any scale is zero").toBe(true);
  });

  it("rejects text that is not a plain decimal", () => {
    expect(isDecimal("12.50"), "a plain decimal is accepted").toBe(true);
    expect(isDecimal("1e3"), "exponents are refused: amounts are written out").toBe(false);
    expect(isDecimal("1,000"), "separators must be normalised first").toBe(false);
    expect(isDecimal(""), "an empty field is not an amount").toBe(false);
    expect(() => add("abc", "1"), "arithmetic on garbage throws instead of guessing").toThrow();
    expect(normalizeAmountInput("₹ 1,25,000.50"), "typed separators are stripped").toBe(
      "125000.50",
    );
  });
});

describe("Indian grouping", () => {
  it("groups thousands, lakhs and crores", () => {
    expect(groupIndian("999"), "three digits need no separator").toBe("999");
    expect(groupIndian("1000"), "one thousand").toBe("1,000");
    expect(groupIndian("125000"), "one lakh twenty-five thousand").toBe("1,25,000");
    expect(groupIndian("12345678"), "one crore twenty-three lakh …").toBe("1,23,45,678");
  });

  it("formats with two decimals and never rounds", () => {
    expect(formatIndian("125000.5"), "paise are padded to two places").toBe("1,25,000.50");
    expect(formatIndian("125000"), "whole rupees get .00").toBe("1,25,000.00");
    expect(formatIndian("0.125"), "extra places are kept, not rounded away").toBe("0.125");
    expect(formatIndian("7.500"), "zeros beyond paise are dropped").toBe("7.50");
    expect(formatIndian("-1234.5"), "negatives keep their sign").toBe("-1,234.50");
    expect(formatIndian("007"), "leading zeros go").toBe("7.00");
    expect(formatIndian("n/a"), "a malformed amount is shown as it came").toBe("n/a");
  });

  it("adds the currency symbol", () => {
    expect(formatMoney("125000.50"), "INR is the default currency").toBe("₹1,25,000.50");
    expect(formatMoney("-50", "INR"), "the minus goes before the symbol").toBe("-₹50.00");
    expect(formatMoney("12", "USD"), "other currencies show their code").toBe("USD 12.00");
  });
});
