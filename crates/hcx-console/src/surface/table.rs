//! THE command table: every command a front end can call, written once as
//! `name(arguments) -> result = |host, args| the Console call;`.
//!
//! From the one [`command_table!`] invocation below come [`dispatch`] (what both transports
//! call: Tauri's single `call` command and `hcx serve-ui`'s `POST /api/<name>`), [`NAMES`], and
//! [`specs`], from which a test writes the TypeScript wrappers (`ui/src/api/commands.gen.ts`)
//! and fails when the committed file differs (as ts-rs does for the view types).
//!
//! Arguments travel as one JSON object with camelCase keys (`{"correlationId": …}`), parsed
//! into a struct generated per command, which refuses unknown keys so a misspelt argument is a
//! clear `invalid_input` instead of a silently missing value. An `Option` argument may be left
//! out. Errors cross as [`CommandError`] (`{code, message}`).
//!
//! To add a command: one entry here (doc comment, name, arguments, result type, and the call:
//! usually `h.ready().await.<console method>(…)`) plus its `Console` method; then run
//! `cargo test -p hcx-console --lib surface` once to regenerate the TypeScript wrapper.

use serde_json::Value;

use super::{CommandError, Host};
use crate::dto::{
    AppStatus, ApplicationView, ApprovalView, CertificationView, ComposeForm, CompromiseView,
    Counterparty, DeadLetterView, DecisionForm, FindingView, GoLiveView, InspectView, KeyStatus,
    OnboardingView, OperatorMessageView, PreflightCheck, ProfileView, QueryAnswerForm,
    RegistrationDraftView, RegistrationKindView, SendReceipt, SuspiciousList, ThreadDetail,
    ThreadFilter, ThreadSummary, WorkflowView,
};

/// The application JSON (`{kind, common, details}`) the registration commands take; its shape
/// depends on the kind, so the UI edits it as a plain object (`lib/appJson.ts`).
#[derive(Debug, Clone, serde::Deserialize, ts_rs::TS)]
#[serde(transparent)]
#[ts(export)]
pub struct ApplicationJson(#[ts(type = "Record<string, unknown>")] pub Value);

/// A row id from the console's SQLite file (an `INTEGER PRIMARY KEY`). It crosses as a plain
/// JSON number: ts-rs would type an `i64` as `bigint`, which JSON cannot carry, and row ids
/// stay far below 2^53.
#[derive(Debug, Clone, Copy, serde::Deserialize, ts_rs::TS)]
#[serde(transparent)]
#[ts(export)]
pub struct RowId(#[ts(type = "number")] pub i64);

/// One command as the TypeScript generator sees it.
#[derive(Debug)]
pub struct CommandSpec {
    /// The wire name (`get_thread`).
    pub name: &'static str,
    /// The entry's doc comment, one line per `///`.
    pub doc: Vec<&'static str>,
    /// Argument names (snake_case, as in Rust) and their TypeScript types.
    pub args: Vec<(&'static str, String)>,
    /// The result's TypeScript type.
    pub result: String,
    /// Binding files (relative to `ui/src/bindings`, no extension) and the type each exports.
    pub imports: Vec<(String, String)>,
}

/// Generates [`dispatch`], [`NAMES`] and [`specs`] from the table.
macro_rules! command_table {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident ( $($arg:ident : $ty:ty),* $(,)? ) -> $res:ty = |$h:pat_param, $a:pat_param| $body:expr ;
    )*) => {
        /// Every command's wire name, in table order.
        pub const NAMES: &[&str] = &[$(stringify!($name)),*];

        /// Runs `command` with its JSON arguments (`null` counts as `{}`) on `host`.
        pub async fn dispatch(
            host: &Host,
            command: &str,
            args: Value,
        ) -> Result<Value, CommandError> {
            let args = if args.is_null() { Value::Object(Default::default()) } else { args };
            match command {
                $(stringify!($name) => {
                    #[derive(serde::Deserialize)]
                    #[serde(rename_all = "camelCase", deny_unknown_fields)]
                    struct Args { $($arg: $ty),* }
                    let $a: Args = serde_json::from_value(args)
                        .map_err(|e| CommandError::bad_arguments(command, e))?;
                    let $h = host;
                    let out: Result<$res, crate::ConsoleError> = async { $body }.await;
                    serde_json::to_value(out?).map_err(|e| {
                        CommandError::internal(format!("`{command}`: its answer did not serialise: {e}"))
                    })
                })*
                other => Err(CommandError::not_implemented(other)),
            }
        }

        /// Every command's signature in TypeScript terms, in table order.
        pub fn specs() -> Vec<CommandSpec> {
            vec![$(CommandSpec {
                name: stringify!($name),
                doc: vec![$($doc),*],
                args: vec![$((stringify!($arg), ts::name::<$ty>())),*],
                result: ts::name::<$res>(),
                imports: {
                    let mut imports = Vec::new();
                    $(ts::imports::<$ty>(&mut imports);)*
                    ts::imports::<$res>(&mut imports);
                    imports
                },
            }),*]
        }
    };
}

command_table! {
    /// Profile, bridge and outbox state for the status bar.
    app_status() -> AppStatus = |h, _| h.ready().await.app_status().await;
    list_profiles() -> Vec<ProfileView> = |h, _| h.ready().await.list_profiles().await;
    /// Selects a profile and moves the outbox worker and bridge poller over to it.
    use_profile(id: String) -> ProfileView = |h, a| h.use_profile(&a.id).await;
    /// A new desk (participant and profile) on the embedded sandbox; `role` is one of DESK_ROLES.
    add_sandbox_desk(name: String, role: String) -> ProfileView =
        |h, a| h.add_sandbox_desk(&a.name, &a.role).await;
    list_counterparties() -> Vec<Counterparty> =
        |h, _| h.ready().await.list_counterparties(None).await;
    list_threads(filter: ThreadFilter) -> Vec<ThreadSummary> =
        |h, a| h.ready().await.list_threads(a.filter).await;
    get_thread(correlation_id: String) -> ThreadDetail =
        |h, a| h.ready().await.get_thread(&a.correlation_id).await;
    get_workflow(workflow_id: String) -> WorkflowView =
        |h, a| h.ready().await.get_workflow(&a.workflow_id).await;
    check_compose(form: ComposeForm) -> Vec<FindingView> =
        |h, a| h.ready().await.check_compose(a.form).await;
    send_compose(form: ComposeForm) -> SendReceipt =
        |h, a| h.ready().await.send_compose(a.form).await;
    answer_query(form: QueryAnswerForm) -> SendReceipt =
        |h, a| h.ready().await.answer_query(a.form).await;
    acknowledge_payment(correlation_id: String) -> SendReceipt =
        |h, a| h.ready().await.acknowledge_payment(&a.correlation_id).await;
    ask_status(correlation_id: String) -> ThreadSummary =
        |h, a| h.ready().await.ask_status(&a.correlation_id).await;
    tpa_inbox() -> Vec<ThreadSummary> = |h, _| h.ready().await.tpa_inbox().await;
    decide(form: DecisionForm) -> SendReceipt = |h, a| h.ready().await.decide(a.form).await;
    /// The reviewer's covering text goes first, then one line per document asked for, so
    /// nothing the reviewer typed is dropped.
    request_documents(correlation_id: String, text: String, documents: Vec<String>) -> SendReceipt =
        |h, a| {
            let asks = std::iter::once(a.text)
                .chain(a.documents)
                .filter(|ask| !ask.trim().is_empty())
                .collect();
            h.ready().await.request_documents(&a.correlation_id, asks).await
        };
    redirect(correlation_id: String, to: String) -> SendReceipt =
        |h, a| h.ready().await.redirect(&a.correlation_id, &a.to).await;
    /// Sends a failed or redirected cycle again unchanged: its failed messages go back to the
    /// outbox (same api_call_id); a redirected request goes as a new cycle to the redirect target.
    retry(correlation_id: String) -> SendReceipt =
        |h, a| h.ready().await.retry(&a.correlation_id).await;
    /// Key status of the active profile.
    key_status() -> KeyStatus = |h, _| {
        let console = h.ready().await;
        console.key_status(&console.active_profile().await?.id).await
    };
    run_preflight() -> Vec<PreflightCheck> = |h, _| h.ready().await.run_preflight().await;
    inspect(text: String) -> InspectView = |h, a| h.ready().await.inspect(&a.text).await;

    onboarding(profile_id: String) -> OnboardingView =
        |h, a| h.ready().await.onboarding(&a.profile_id).await;
    /// Runs the conformance suite against the sandbox: 10 to 60 seconds.
    certify(profile_id: String) -> CertificationView =
        |h, a| h.ready().await.certify(&a.profile_id).await;
    registration_kinds() -> Vec<RegistrationKindView> = |_, _| Ok(crate::registration_kinds());
    registration_draft(profile_id: String, kind: Option<String>) -> RegistrationDraftView =
        |h, a| h.ready().await.registration_draft(&a.profile_id, a.kind.as_deref()).await;
    save_registration_draft(profile_id: String, application: ApplicationJson) -> RegistrationDraftView =
        |h, a| h.ready().await.save_registration_draft(&a.profile_id, a.application.0).await;
    /// Creates the production profile; the answer's `profileId` is that new profile.
    submit_registration(profile_id: String, application: ApplicationJson) -> ApplicationView =
        |h, a| h.ready().await.submit_registration(&a.profile_id, a.application.0, None).await;
    /// `profileId` is the production profile; refreshes the state from the operator.
    application_status(profile_id: String) -> ApplicationView =
        |h, a| h.ready().await.application_status(&a.profile_id).await;
    submit_otp(profile_id: String, otp: String) -> ApplicationView =
        |h, a| h.ready().await.submit_otp(&a.profile_id, &a.otp).await;
    resend_otp(profile_id: String) -> ApplicationView =
        |h, a| h.ready().await.resend_otp(&a.profile_id).await;
    /// What the embedded sandbox's operator "sent" by SMS or e-mail (sandbox only).
    sandbox_operator_messages(application_id: Option<String>) -> Vec<OperatorMessageView> =
        |h, a| h.operator_messages(a.application_id.as_deref()).await;
    /// The credentials go straight into the OS keychain; the answer never carries the secret.
    fetch_credentials(profile_id: String) -> GoLiveView =
        |h, a| h.fetch_credentials(&a.profile_id).await;
    report_compromise(profile_id: String, note: String) -> CompromiseView =
        |h, a| h.ready().await.report_compromise(&a.profile_id, &a.note).await;
    go_live(profile_id: String) -> GoLiveView = |h, a| h.ready().await.go_live(&a.profile_id).await;
    set_pilot(profile_id: String, enabled: bool, counterparties: Vec<String>) -> GoLiveView =
        |h, a| h.ready().await.set_pilot(&a.profile_id, a.enabled, a.counterparties).await;
    mark_staff_trained(profile_id: String, by: String) -> GoLiveView =
        |h, a| h.ready().await.mark_staff_trained(&a.profile_id, &a.by).await;
    /// Empanelment approvals waiting for the active (payer or scheme) profile.
    empanelment_requests() -> Vec<ApprovalView> =
        |h, _| h.ready().await.empanelment_requests().await;
    decide_empanelment(application_id: String, approve: bool, reason: String) -> ApprovalView =
        |h, a| h.ready().await.decide_empanelment(&a.application_id, a.approve, &a.reason).await;

    /// Incoming envelopes parked after failing again and again, newest first.
    list_dead_letters() -> Vec<DeadLetterView> = |h, _| h.ready().await.list_dead_letters().await;
    /// Reads one dead letter again from its stored body; answers the list that remains, so
    /// the Problems card redraws from one call.
    retry_dead_letter(id: RowId) -> Vec<DeadLetterView> = |h, a| {
        let console = h.ready().await;
        console.retry_dead_letter(a.id.0).await?;
        console.list_dead_letters().await
    };
    /// Incoming messages kept but not applied because their sender may not move the cycle
    /// they name.
    list_suspicious() -> SuspiciousList = |h, _| h.ready().await.list_suspicious().await;
}

/// TypeScript names and imports through ts-rs, so the wrappers name exactly the types ts-rs
/// exports to `ui/src/bindings`.
mod ts {
    use ts_rs::{Config, Dependency, TS, TypeVisitor};

    fn config() -> Config {
        Config::from_env()
    }

    pub(super) fn name<T: TS + 'static>() -> String {
        T::name(&config())
    }

    /// Adds the binding files `T` and its generic arguments (`Vec<T>`, `Option<T>`) live in.
    pub(super) fn imports<T: TS + 'static>(out: &mut Vec<(String, String)>) {
        struct Collect<'a>(Config, &'a mut Vec<(String, String)>);
        impl TypeVisitor for Collect<'_> {
            fn visit<U: TS + 'static + ?Sized>(&mut self) {
                if let Some(dep) = Dependency::from_ty::<U>(&self.0) {
                    let path =
                        dep.output_path.with_extension("").to_string_lossy().replace('\\', "/");
                    let entry = (path, dep.ts_name);
                    if !self.1.contains(&entry) {
                        self.1.push(entry);
                    }
                }
                U::visit_generics(self);
            }
        }
        Collect(config(), out).visit::<T>();
    }
}
