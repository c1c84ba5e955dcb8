//! The IPC commands: exactly the contract in `ui/README.md` ("The contract with the backend"),
//! one thin adapter each. A command takes the managed [`Shell`], calls one console use case and
//! maps its error to [`IpcError`]; it holds no SQL, crypto, HTTP or business rule.
//!
//! Names are the contract's invoke names (the UI calls `invoke("get_thread", …)`); Tauri maps
//! the UI's camelCase argument keys onto the snake_case parameters.

use hcx_console::dto::{
    AppStatus, ComposeForm, Counterparty, DecisionForm, FindingView, InspectView, KeyStatus,
    PreflightCheck, ProfileView, QueryAnswerForm, SendReceipt, ThreadDetail, ThreadFilter,
    ThreadSummary, WorkflowView,
};
use tauri::State;

use crate::error::IpcError;
use crate::state::Shell;

type Res<T> = Result<T, IpcError>;

#[tauri::command]
pub(crate) async fn app_status(shell: State<'_, Shell>) -> Res<AppStatus> {
    Ok(shell.ready().await.app_status().await?)
}

#[tauri::command]
pub(crate) async fn list_profiles(shell: State<'_, Shell>) -> Res<Vec<ProfileView>> {
    Ok(shell.ready().await.list_profiles().await?)
}

/// Selects a profile and moves the outbox worker and bridge poller over to it.
#[tauri::command]
pub(crate) async fn use_profile(shell: State<'_, Shell>, id: String) -> Res<ProfileView> {
    let profile = shell.ready().await.use_profile(&id).await?;
    shell.sync_background().await?;
    Ok(profile)
}

#[tauri::command]
pub(crate) async fn list_counterparties(shell: State<'_, Shell>) -> Res<Vec<Counterparty>> {
    Ok(shell.ready().await.list_counterparties(None).await?)
}

#[tauri::command]
pub(crate) async fn list_threads(
    shell: State<'_, Shell>,
    filter: ThreadFilter,
) -> Res<Vec<ThreadSummary>> {
    Ok(shell.ready().await.list_threads(filter).await?)
}

#[tauri::command]
pub(crate) async fn get_thread(
    shell: State<'_, Shell>,
    correlation_id: String,
) -> Res<ThreadDetail> {
    Ok(shell.ready().await.get_thread(&correlation_id).await?)
}

#[tauri::command]
pub(crate) async fn get_workflow(
    shell: State<'_, Shell>,
    workflow_id: String,
) -> Res<WorkflowView> {
    Ok(shell.ready().await.get_workflow(&workflow_id).await?)
}

#[tauri::command]
pub(crate) async fn check_compose(
    shell: State<'_, Shell>,
    form: ComposeForm,
) -> Res<Vec<FindingView>> {
    Ok(shell.ready().await.check_compose(form).await?)
}

#[tauri::command]
pub(crate) async fn send_compose(shell: State<'_, Shell>, form: ComposeForm) -> Res<SendReceipt> {
    Ok(shell.ready().await.send_compose(form).await?)
}

#[tauri::command]
pub(crate) async fn answer_query(
    shell: State<'_, Shell>,
    form: QueryAnswerForm,
) -> Res<SendReceipt> {
    Ok(shell.ready().await.answer_query(form).await?)
}

#[tauri::command]
pub(crate) async fn acknowledge_payment(
    shell: State<'_, Shell>,
    correlation_id: String,
) -> Res<SendReceipt> {
    Ok(shell.ready().await.acknowledge_payment(&correlation_id).await?)
}

#[tauri::command]
pub(crate) async fn ask_status(
    shell: State<'_, Shell>,
    correlation_id: String,
) -> Res<ThreadSummary> {
    Ok(shell.ready().await.ask_status(&correlation_id).await?)
}

#[tauri::command]
pub(crate) async fn tpa_inbox(shell: State<'_, Shell>) -> Res<Vec<ThreadSummary>> {
    Ok(shell.ready().await.tpa_inbox().await?)
}

#[tauri::command]
pub(crate) async fn decide(shell: State<'_, Shell>, form: DecisionForm) -> Res<SendReceipt> {
    Ok(shell.ready().await.decide(form).await?)
}

/// The reviewer's covering text goes first, then one line per document asked for, so nothing
/// the reviewer typed is dropped.
#[tauri::command]
pub(crate) async fn request_documents(
    shell: State<'_, Shell>,
    correlation_id: String,
    text: String,
    documents: Vec<String>,
) -> Res<SendReceipt> {
    let asks = std::iter::once(text).chain(documents).filter(|a| !a.trim().is_empty()).collect();
    Ok(shell.ready().await.request_documents(&correlation_id, asks).await?)
}

#[tauri::command]
pub(crate) async fn redirect(
    shell: State<'_, Shell>,
    correlation_id: String,
    to: String,
) -> Res<SendReceipt> {
    Ok(shell.ready().await.redirect(&correlation_id, &to).await?)
}

/// Key status of the active profile.
#[tauri::command]
pub(crate) async fn key_status(shell: State<'_, Shell>) -> Res<KeyStatus> {
    let console = shell.ready().await;
    Ok(console.key_status(&console.active_profile().await?.id).await?)
}

#[tauri::command]
pub(crate) async fn run_preflight(shell: State<'_, Shell>) -> Res<Vec<PreflightCheck>> {
    Ok(shell.ready().await.run_preflight().await?)
}

#[tauri::command]
pub(crate) async fn inspect(shell: State<'_, Shell>, text: String) -> Res<InspectView> {
    Ok(shell.ready().await.inspect(&text).await?)
}
