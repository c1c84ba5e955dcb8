// Exact decimal arithmetic and Indian-style money formatting on decimal strings.
//
// Money crosses IPC as text ("125000.50") and must never pass through a float: 0.1 + 0.2 is not
// 0.3 in binary floating point, and a claim total that is off by a paisa gets rejected. So every
// sum or product here works on BigInt "units" scaled by a power of ten, and formatting is string
// manipulation only.

/** A parsed decimal: `units / 10^scale`. */
interface Dec {
  units: bigint;
  scale: number;
}

const DECIMAL_RE = /^([+-]?)(\d+)(?:\.(\d+))?$/;

/** Removes thousands separators and spaces a clerk may type ("1,25,000.50" → "125000.50"). */
export function normalizeAmountInput(text: string): string {
  return text.replace(/[\s,₹]/g, "");
}

/** True when `text` is a plain decimal such as "12", "-3.5" or "0.125" (no exponent, no commas). */
export function isDecimal(text: string): boolean {
  return DECIMAL_RE.test(text.trim());
}

function parse(text: string): Dec {
  const m = DECIMAL_RE.exec(text.trim());
  if (!m) {
    throw new Error(`not a decimal number: "${text}"`);
  }
  const sign = m[1] === "-" ? -1n : 1n;
  const frac = m[3] ?? "";
  return { units: sign * BigInt((m[2] ?? "0") + frac), scale: frac.length };
}

function rescale(d: Dec, scale: number): bigint {
  return d.units * 10n ** BigInt(scale - d.scale);
}

function render(d: Dec): string {
  const negative = d.units < 0n;
  const digits = (negative ? -d.units : d.units).toString().padStart(d.scale + 1, "0");
  const int = digits.slice(0, digits.length - d.scale);
  const frac = digits.slice(digits.length - d.scale);
  return (negative ? "-" : "") + int + (d.scale > 0 ? "." + frac : "");
}

/** a + b, exact; the result keeps the larger number of decimal places. */
export function add(a: string, b: string): string {
  const x = parse(a);
  const y = parse(b);
  const scale = Math.max(x.scale, y.scale);
  return render({ units: rescale(x, scale) + rescale(y, scale), scale });
}

/** a − b, exact. */
export function sub(a: string, b: string): string {
  const y = parse(b);
  return add(a, render({ units: -y.units, scale: y.scale }));
}

/** a × b, exact; the result has the sum of both numbers' decimal places ("2" × "10.50" = "21.00"). */
export function mul(a: string, b: string): string {
  const x = parse(a);
  const y = parse(b);
  return render({ units: x.units * y.units, scale: x.scale + y.scale });
}

/** Sum of a list, exact; "0" for an empty list. */
export function sum(values: readonly string[]): string {
  return values.reduce((acc, v) => add(acc, v), "0");
}

/** −1, 0 or 1 as a is less than, equal to or greater than b. */
export function compare(a: string, b: string): -1 | 0 | 1 {
  const x = parse(a);
  const y = parse(b);
  const scale = Math.max(x.scale, y.scale);
  const d = rescale(x, scale) - rescale(y, scale);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/** True when the decimal is zero (any number of places). */
export function isZero(a: string): boolean {
  return parse(a).units === 0n;
}

/**
 * Groups an integer digit string the Indian way: the last three digits, then pairs
 * ("12345678" → "1,23,45,678").
 */
export function groupIndian(intDigits: string): string {
  if (intDigits.length <= 3) {
    return intDigits;
  }
  const last3 = intDigits.slice(-3);
  let rest = intDigits.slice(0, -3);
  const pairs: string[] = [];
  while (rest.length > 2) {
    pairs.unshift(rest.slice(-2));
    rest = rest.slice(0, -2);
  }
  if (rest.length > 0) {
    pairs.unshift(rest);
  }
  return pairs.join(",") + "," + last3;
}

/**
 * Formats a decimal string with Indian grouping and at least two decimal places, never rounding:
 * "125000.5" → "1,25,000.50", "0.125" → "0.125". Returns the input unchanged if it is not a
 * decimal, so a malformed amount is shown as-is rather than hidden.
 */
export function formatIndian(amount: string): string {
  const m = DECIMAL_RE.exec(amount.trim());
  if (!m) {
    return amount;
  }
  const negative = m[1] === "-";
  const int = (m[2] ?? "0").replace(/^0+(?=\d)/, "");
  let frac = m[3] ?? "";
  // Pad to paise, and drop only zeros beyond them: the value itself is never changed.
  frac = frac.padEnd(2, "0");
  while (frac.length > 2 && frac.endsWith("0")) {
    frac = frac.slice(0, -1);
  }
  const isZeroValue = /^0*$/.test(int) && /^0*$/.test(frac);
  return (negative && !isZeroValue ? "-" : "") + groupIndian(int) + "." + frac;
}

const CURRENCY_SYMBOLS: Record<string, string> = { INR: "₹" };

/** "₹1,25,000.50"; other currencies are prefixed with their code ("USD 12.00"). */
export function formatMoney(amount: string, currency: string | null | undefined = "INR"): string {
  const code = currency ?? "INR";
  const text = formatIndian(amount);
  const negative = text.startsWith("-");
  const body = negative ? text.slice(1) : text;
  const symbol = CURRENCY_SYMBOLS[code];
  const withSymbol = symbol ? symbol + body : `${code} ${body}`;
  return (negative ? "-" : "") + withSymbol;
}
