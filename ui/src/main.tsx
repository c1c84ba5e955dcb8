import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app/App";
import "./styles.css";

// `npm run dev:mock` (vite --mode mock) puts the scripted backend behind IPC; in every other
// build this branch is dropped, so the mock never ships.
if (import.meta.env.MODE === "mock") {
  const { installMockBackend } = await import("./mock/install");
  installMockBackend();
}

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
