// A tiny hash router's pure part: "#/compose/claim?from=abc" → path segments and query.
// Hash routing needs no server support, which suits Tauri's custom protocol.

export interface Route {
  /** Decoded path segments: ["compose", "claim"]. */
  segments: string[];
  query: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, "");
  const [pathPart = "", queryPart = ""] = raw.split("?", 2);
  const segments = pathPart
    .split("/")
    .filter((s) => s !== "")
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
  return { segments, query: new URLSearchParams(queryPart) };
}

export function href(path: string): string {
  return `#${path.startsWith("/") ? path : `/${path}`}`;
}
