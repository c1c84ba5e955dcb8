// Backend events. Names mirror src-tauri's events module.

import type { AppStatus } from "../bindings/AppStatus";
import type { MessagesChanged } from "../bindings/MessagesChanged";
import { subscribe } from "./transport";

export const EVENT_MESSAGES_CHANGED = "messages-changed";
export const EVENT_APP_STATUS = "app-status";

/** Messages arrived or changed (batched by the backend: one event per burst). */
export const onMessagesChanged = (handler: (change: MessagesChanged) => void) =>
  subscribe<MessagesChanged>(EVENT_MESSAGES_CHANGED, handler);

/** The connection, profile or outbox changed. */
export const onAppStatus = (handler: (status: AppStatus) => void) =>
  subscribe<AppStatus>(EVENT_APP_STATUS, handler);
