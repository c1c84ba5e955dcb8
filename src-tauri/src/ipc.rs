//! The IPC surface: ONE Tauri command, `call {command, args}`, that runs an entry of
//! hcx-console's command table (`hcx_console::surface::table`) with the managed [`Host`].
//! Commands are added in the table, never here; errors cross as `{code, message}`.

use hcx_console::surface::{CommandError, Host, dispatch};
use serde_json::Value;
use tauri::State;

#[tauri::command]
pub(crate) async fn call(
    host: State<'_, Host>,
    command: String,
    args: Value,
) -> Result<Value, CommandError> {
    dispatch(&host, &command, args).await
}
