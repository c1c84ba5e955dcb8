// Small line icons drawn here (no icon font or remote assets under the CSP).

import type { IconName } from "../lib/labels";

type Name =
  | IconName
  | "queue"
  | "compose"
  | "inbox"
  | "settings"
  | "inspect"
  | "search"
  | "arrowIn"
  | "arrowOut"
  | "copy"
  | "x"
  | "plus"
  | "file"
  | "workflow";

const PATHS: Record<Name, string> = {
  pencil: "M4 20h4L19 9l-4-4L4 16v4zM14 6l4 4",
  clock: "M12 7v5l3 2M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18z",
  send: "M4 12l16-8-6 16-2-7-8-1z",
  check: "M5 12.5l4.5 4.5L19 7.5",
  forward: "M4 12h14M13 6l6 6-6 6",
  half: "M12 3a9 9 0 1 0 0 18V3zM12 3a9 9 0 0 1 0 18",
  question: "M9.5 9a2.6 2.6 0 1 1 3.6 2.4c-.7.3-1.1 1-1.1 1.7V14M12 17.5v.5",
  reply: "M9 7L4 12l5 5M4 12h10a6 6 0 0 1 6 6",
  checkCircle: "M8 12.5l3 3 5-6M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18z",
  alert: "M12 4L2.5 20h19L12 4zM12 10v4.5M12 17.5v.5",
  redirect: "M4 17h10a5 5 0 0 0 0-10H7M9 4L6 7l3 3",
  rupee: "M7 5h10M7 9h10M9 5c5 0 5 8 0 8H7l7 7",
  broken: "M6 3h8l4 4v5l-3 2 2 3-3 4H6V3zM14 3v4h4",
  dot: "M12 9a3 3 0 1 0 0 6 3 3 0 0 0 0-6z",
  queue: "M4 6h16M4 12h16M4 18h10",
  compose: "M12 5v14M5 12h14",
  inbox: "M4 13l2.5-8h11L20 13v6H4v-6zM4 13h5l1 2h4l1-2h5",
  settings:
    "M12 9a3 3 0 1 0 0 6 3 3 0 0 0 0-6zM19 12l2-1-1-3-2.3.2-1.3-1.3L16.6 5l-3-1L12 5.8 10.4 4l-3 1 .2 1.9-1.3 1.3L4 8l-1 3 2 1-2 1 1 3 2.3-.2 1.3 1.3L7.4 19l3 1 1.6-1.8L13.6 20l3-1-.2-1.9 1.3-1.3L20 16l1-3-2-1z",
  inspect: "M10.5 4a6.5 6.5 0 1 0 0 13 6.5 6.5 0 0 0 0-13zM15.5 15.5L20 20M8 10.5h5M10.5 8v5",
  search: "M10.5 4a6.5 6.5 0 1 0 0 13 6.5 6.5 0 0 0 0-13zM15.5 15.5L20 20",
  arrowIn: "M20 12H6M11 7l-5 5 5 5",
  arrowOut: "M4 12h14M13 7l5 5-5 5",
  copy: "M9 9h10v11H9zM5 15V4h10",
  x: "M6 6l12 12M18 6L6 18",
  plus: "M12 5v14M5 12h14",
  file: "M6 3h8l4 4v14H6V3zM14 3v4h4",
  workflow: "M5 6h4v4H5zM15 14h4v4h-4zM9 8h3a2 2 0 0 1 2 2v4a2 2 0 0 0 2 2",
};

export function Icon({ name, size = 16 }: { name: Name; size?: number }) {
  return (
    <svg
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={1.8}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
    >
      <path d={PATHS[name]} />
    </svg>
  );
}
