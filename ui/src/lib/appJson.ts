// Dotted paths into an application's JSON (`details.system_admin.mobile`), as the backend's
// registration FieldViews and findings name them. Pure and immutable: `setPath` returns a new
// object and never changes its argument, so React state can hold the result directly.

export type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function keys(path: string): string[] {
  return path.split(".").filter((k) => k !== "");
}

/** The value at `path`, or undefined when any step is missing or not an object. */
export function getPath(obj: unknown, path: string): unknown {
  let v: unknown = obj;
  for (const k of keys(path)) {
    if (!isObject(v)) return undefined;
    v = v[k];
  }
  return v;
}

/** A copy of `obj` with `value` at `path`, creating the objects on the way. */
export function setPath(obj: JsonObject, path: string, value: unknown): JsonObject {
  const [head, ...rest] = keys(path);
  if (head === undefined) return obj;
  if (rest.length === 0) return { ...obj, [head]: value };
  const child = obj[head];
  return { ...obj, [head]: setPath(isObject(child) ? child : {}, rest.join("."), value) };
}

/** The value as text for an input: strings as they are, null/undefined/objects as "". */
export function textAt(obj: unknown, path: string): string {
  const v = getPath(obj, path);
  if (typeof v === "string") return v;
  if (typeof v === "number") return String(v);
  return "";
}
