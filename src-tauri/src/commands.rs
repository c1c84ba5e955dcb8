//! The IPC commands: exactly the contract in `ui/README.md` ("The contract with the backend"),
//! one thin adapter each. A command takes the managed [`Shell`], calls one console use case and
//! maps its error to [`IpcError`]; it holds no SQL, crypto, HTTP or business rule.
//!
//! Names are the contract's invoke names (the UI calls `invoke("get_thread", …)`); Tauri maps
//! the UI's camelCase argument keys onto the snake_case parameters.

use hcx_console::dto::{
    AppStatus, ApplicationView, ApprovalView, CertificationView, ComposeForm, CompromiseView,
    Counterparty, DeadLetterView, DecisionForm, FindingView, GoLiveView, InspectView, KeyStatus,
    OnboardingView, OperatorMessageView, PreflightCheck, ProfileView, QueryAnswerForm,
    RegistrationDraftView, RegistrationKindView, SendReceipt, SuspiciousList, ThreadDetail,
    ThreadFilter, ThreadSummary, WorkflowView,
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

/// Adds a desk on the embedded sandbox, e.g. a TPA to review this clinic's requests offline.
#[tauri::command]
pub(crate) async fn add_sandbox_desk(
    shell: State<'_, Shell>,
    name: String,
    role: String,
) -> Res<ProfileView> {
    shell.ready().await;
    Ok(shell.add_sandbox_desk(&name, &role).await?)
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

// ------------------------------------------------------------------------------ onboarding

#[tauri::command]
pub(crate) async fn onboarding(shell: State<'_, Shell>, profile_id: String) -> Res<OnboardingView> {
    Ok(shell.ready().await.onboarding(&profile_id).await?)
}

/// Runs the conformance suite (10–60 s); the UI shows progress meanwhile.
#[tauri::command]
pub(crate) async fn certify(shell: State<'_, Shell>, profile_id: String) -> Res<CertificationView> {
    Ok(shell.ready().await.certify(&profile_id).await?)
}

#[tauri::command]
pub(crate) async fn registration_kinds() -> Res<Vec<RegistrationKindView>> {
    Ok(hcx_console::registration_kinds())
}

#[tauri::command]
pub(crate) async fn registration_draft(
    shell: State<'_, Shell>,
    profile_id: String,
    kind: Option<String>,
) -> Res<RegistrationDraftView> {
    Ok(shell.ready().await.registration_draft(&profile_id, kind.as_deref()).await?)
}

#[tauri::command]
pub(crate) async fn save_registration_draft(
    shell: State<'_, Shell>,
    profile_id: String,
    application: serde_json::Value,
) -> Res<RegistrationDraftView> {
    Ok(shell.ready().await.save_registration_draft(&profile_id, application).await?)
}

#[tauri::command]
pub(crate) async fn submit_registration(
    shell: State<'_, Shell>,
    profile_id: String,
    application: serde_json::Value,
) -> Res<ApplicationView> {
    Ok(shell.ready().await.submit_registration(&profile_id, application, None).await?)
}

#[tauri::command]
pub(crate) async fn application_status(
    shell: State<'_, Shell>,
    profile_id: String,
) -> Res<ApplicationView> {
    Ok(shell.ready().await.application_status(&profile_id).await?)
}

#[tauri::command]
pub(crate) async fn submit_otp(
    shell: State<'_, Shell>,
    profile_id: String,
    otp: String,
) -> Res<ApplicationView> {
    Ok(shell.ready().await.submit_otp(&profile_id, &otp).await?)
}

#[tauri::command]
pub(crate) async fn resend_otp(
    shell: State<'_, Shell>,
    profile_id: String,
) -> Res<ApplicationView> {
    Ok(shell.ready().await.resend_otp(&profile_id).await?)
}

/// The embedded sandbox operator's SMS and e-mail outbox (where the OTP shows).
#[tauri::command]
pub(crate) async fn sandbox_operator_messages(
    shell: State<'_, Shell>,
    application_id: Option<String>,
) -> Res<Vec<OperatorMessageView>> {
    shell.ready().await;
    Ok(shell.operator_messages(application_id.as_deref()).await?)
}

/// Credentials into the keychain; on the embedded sandbox the profile's mailbox is served too.
#[tauri::command]
pub(crate) async fn fetch_credentials(
    shell: State<'_, Shell>,
    profile_id: String,
) -> Res<GoLiveView> {
    shell.ready().await;
    let view = shell.fetch_credentials(&profile_id).await?;
    // The profile now has a bridge and a new login: its mailbox poller must start afresh.
    shell.sync_background_for(Some(&profile_id)).await?;
    Ok(view)
}

#[tauri::command]
pub(crate) async fn report_compromise(
    shell: State<'_, Shell>,
    profile_id: String,
    note: String,
) -> Res<CompromiseView> {
    Ok(shell.ready().await.report_compromise(&profile_id, &note).await?)
}

#[tauri::command]
pub(crate) async fn go_live(shell: State<'_, Shell>, profile_id: String) -> Res<GoLiveView> {
    Ok(shell.ready().await.go_live(&profile_id).await?)
}

#[tauri::command]
pub(crate) async fn set_pilot(
    shell: State<'_, Shell>,
    profile_id: String,
    enabled: bool,
    counterparties: Vec<String>,
) -> Res<GoLiveView> {
    Ok(shell.ready().await.set_pilot(&profile_id, enabled, counterparties).await?)
}

#[tauri::command]
pub(crate) async fn mark_staff_trained(
    shell: State<'_, Shell>,
    profile_id: String,
    by: String,
) -> Res<GoLiveView> {
    Ok(shell.ready().await.mark_staff_trained(&profile_id, &by).await?)
}

#[tauri::command]
pub(crate) async fn empanelment_requests(shell: State<'_, Shell>) -> Res<Vec<ApprovalView>> {
    Ok(shell.ready().await.empanelment_requests().await?)
}

#[tauri::command]
pub(crate) async fn decide_empanelment(
    shell: State<'_, Shell>,
    application_id: String,
    approve: bool,
    reason: String,
) -> Res<ApprovalView> {
    Ok(shell.ready().await.decide_empanelment(&application_id, approve, &reason).await?)
}

/// Incoming envelopes parked after failing again and again, newest first.
#[tauri::command]
pub(crate) async fn list_dead_letters(shell: State<'_, Shell>) -> Res<Vec<DeadLetterView>> {
    Ok(shell.ready().await.list_dead_letters().await?)
}

/// Reads one dead letter again from its stored body; returns the list that remains.
#[tauri::command]
pub(crate) async fn retry_dead_letter(
    shell: State<'_, Shell>,
    id: i64,
) -> Res<Vec<DeadLetterView>> {
    let console = shell.ready().await;
    console.retry_dead_letter(id).await?;
    Ok(console.list_dead_letters().await?)
}

/// Incoming messages kept but not applied because their sender may not move the cycle they name.
#[tauri::command]
pub(crate) async fn list_suspicious(shell: State<'_, Shell>) -> Res<SuspiciousList> {
    Ok(shell.ready().await.list_suspicious().await?)
}
