//! `hcx onboard …`: the way to production from the command line, one subcommand per step of
//! the desktop's Go live screen (certify, register, verify, credentials, go-live), plus the
//! payer's empanelment approvals and the operator-side certificate check. Each is a thin call
//! to a `Console` use case; secrets come from environment variables, never arguments.

use std::path::{Path, PathBuf};

use hcx_console::{Console, dto};
use hcx_onboard::certification::suite::describe_sandbox;
use hcx_onboard::certification::{Expectation, TrustedSandbox, verify_certificate};
use hcx_onboard::client::OperatorClient;
use hcx_protocol::{ApiVersion, Role};
use serde_json::Value;

use super::CliError;
use super::Output;

/// `hcx onboard …` (acting on the active profile unless `--profile` is given).
#[derive(Debug, clap::Subcommand)]
pub enum OnboardCommand {
    /// Run the conformance suite against the profile's sandbox and keep the certificate.
    Certify {
        /// Sandbox profile id, code or name.
        #[arg(long)]
        profile: Option<String>,
    },
    /// Show the stored sandbox certificate (checked again); `--export` writes the JWS.
    Certificate {
        /// Sandbox profile id, code or name.
        #[arg(long)]
        profile: Option<String>,
        /// Write the certificate (compact JWS) to this file.
        #[arg(long)]
        export: Option<PathBuf>,
    },
    /// The operator's check of a sandbox certificate file: signature, issuer, expiry, role and
    /// version (exit 1 with the reasons when refused).
    Verify {
        /// The certificate (compact JWS) file.
        file: PathBuf,
        /// The sandbox that must have countersigned it (its API base URL).
        #[arg(long)]
        sandbox: String,
        /// The role being registered.
        #[arg(long)]
        role: String,
        /// The protocol version being registered.
        #[arg(long, default_value = "v0.8")]
        version: String,
    },
    /// The registrant kinds and the fields each one's form asks for.
    Kinds,
    /// Show or edit the registration draft (kept across restarts until submitted).
    Draft(DraftArgs),
    /// Submit the draft; creates the production profile.
    Submit {
        /// Sandbox profile id, code or name.
        #[arg(long)]
        profile: Option<String>,
        /// The operator's API base (default: the sandbox profile's exchange).
        #[arg(long)]
        operator: Option<String>,
    },
    /// The application of a production profile, fresh from the operator.
    Status {
        /// Production profile id or name.
        #[arg(long)]
        profile: Option<String>,
    },
    /// Enter the OTP the registered contact received.
    Otp {
        /// The 6 digits.
        code: String,
        /// Production profile id or name.
        #[arg(long)]
        profile: Option<String>,
    },
    /// Ask the operator to send the OTP again.
    ResendOtp {
        /// Production profile id or name.
        #[arg(long)]
        profile: Option<String>,
    },
    /// SANDBOX operator only: the SMS and e-mails it "sent" (where the OTP shows).
    Outbox {
        #[command(flatten)]
        admin: AdminArgs,
        /// Only this application's messages.
        #[arg(long)]
        application: Option<String>,
    },
    /// SANDBOX operator only: the application queue, optionally one state
    /// (submitted, verifying, awaiting_otp, awaiting_payer_approval, manual_review, approved,
    /// rejected).
    Queue {
        #[command(flatten)]
        admin: AdminArgs,
        /// Only applications in this state.
        #[arg(long)]
        state: Option<String>,
    },
    /// SANDBOX operator only: decide an application in manual review (regulators).
    Review {
        #[command(flatten)]
        admin: AdminArgs,
        /// Application id.
        application: String,
        /// approve or refuse.
        decision: String,
        /// Why (required to refuse; the applicant reads it).
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Fetch the production credentials (once) straight into the keychain.
    Credentials {
        /// Production profile id or name.
        #[arg(long)]
        profile: Option<String>,
    },
    /// Serve the profile's callbacks through a bridge and register that address.
    ConnectBridge {
        /// Bridge base URL.
        #[arg(long)]
        bridge: String,
        /// Environment variable holding the bridge mailbox token.
        #[arg(long, value_name = "VAR")]
        bridge_token_env: String,
        /// Profile id, code or name.
        #[arg(long)]
        profile: Option<String>,
    },
    /// Report compromised credentials: new key pair, new secret, registry updated.
    Compromise {
        /// What happened (kept in the operator's log).
        #[arg(long)]
        note: String,
        /// Production profile id, code or name.
        #[arg(long)]
        profile: Option<String>,
    },
    /// Empanelment requests naming the active profile (a payer or scheme).
    Approvals,
    /// Approve an empanelment request.
    Approve {
        /// Application id.
        application: String,
    },
    /// Refuse an empanelment request, with the reason the applicant will read.
    Refuse {
        /// Application id.
        application: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// The go-live checklist.
    Checklist {
        /// Profile id, code or name.
        #[arg(long)]
        profile: Option<String>,
    },
    /// Pilot mode: `on --to CODE …` limits new cycles to those counterparties; `off` lifts it.
    Pilot {
        /// on or off.
        mode: String,
        /// A counterparty on the pilot list (repeatable).
        #[arg(long = "to")]
        to: Vec<String>,
        /// Profile id, code or name.
        #[arg(long)]
        profile: Option<String>,
    },
    /// Record who confirmed the desk's staff were trained.
    Trained {
        /// Who confirms.
        #[arg(long)]
        by: String,
        /// Profile id, code or name.
        #[arg(long)]
        profile: Option<String>,
    },
}

/// The sandbox operator's login (the admin `hcx sandbox` prints first).
#[derive(Debug, clap::Args)]
pub struct AdminArgs {
    /// The sandbox's API base.
    #[arg(long)]
    pub sandbox: String,
    /// The sandbox admin's username.
    #[arg(long)]
    pub admin_user: String,
    /// Environment variable holding the admin password.
    #[arg(long, value_name = "VAR")]
    pub admin_password_env: String,
}

impl AdminArgs {
    fn operator(&self) -> Result<OperatorClient, CliError> {
        let password = std::env::var(&self.admin_password_env).map_err(|_| {
            fail(format!("environment variable {} is not set", self.admin_password_env))
        })?;
        Ok(OperatorClient::new(&self.sandbox, ApiVersion::default())
            .map_err(fail)?
            .with_credentials(hcx_client::Credentials::Password {
                username: self.admin_user.clone(),
                password: hcx_client::Secret::new(password),
            }))
    }
}

/// `hcx onboard draft` arguments.
#[derive(Debug, clap::Args)]
pub struct DraftArgs {
    /// Sandbox profile id, code or name.
    #[arg(long)]
    pub profile: Option<String>,
    /// Start a new draft of this kind (payer, tpa, abdm_provider, unregistered_provider, …).
    #[arg(long)]
    pub kind: Option<String>,
    /// Set a field: `details.hfr_facility_id=IN2910000123` (repeatable; true/false for ticks).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Attach a PDF/JPEG/PNG: `details.empanelment_proof=letter.pdf` (repeatable).
    #[arg(long = "attach", value_name = "PATH=FILE")]
    pub attach: Vec<String>,
    /// Print the whole draft as JSON instead of the findings.
    #[arg(long)]
    pub json: bool,
}

fn fail(e: impl std::fmt::Display) -> CliError {
    CliError::Input(e.to_string())
}

fn ok(stdout: impl Into<String>) -> Output {
    Output { stdout: stdout.into(), warning: None, code: 0 }
}

async fn profile_id(console: &Console, key: Option<&str>) -> Result<String, CliError> {
    match key {
        Some(k) => console.profile_id_for(k).map_err(fail),
        None => Ok(console.active_profile().await.map_err(fail)?.id),
    }
}

/// Sets `value` at a dotted `path` in a JSON object, creating objects on the way.
fn set_path(root: &mut Value, path: &str, value: Value) -> Result<(), CliError> {
    let mut at = root;
    let parts: Vec<&str> = path.split('.').filter(|p| !p.is_empty()).collect();
    let Some((last, parents)) = parts.split_last() else {
        return Err(fail(format!("{path:?} is not a field path")));
    };
    for p in parents {
        if !at.is_object() {
            *at = Value::Object(Default::default());
        }
        at = at
            .as_object_mut()
            .map(|m| m.entry((*p).to_owned()).or_insert(Value::Object(Default::default())))
            .ok_or_else(|| fail(format!("{path:?}: {p} is not an object")))?;
    }
    at.as_object_mut()
        .ok_or_else(|| fail(format!("{path:?} is not inside an object")))?
        .insert((*last).to_owned(), value);
    Ok(())
}

fn split_assignment(text: &str) -> Result<(&str, &str), CliError> {
    text.split_once('=').ok_or_else(|| fail(format!("{text:?}: expected PATH=VALUE")))
}

fn document(path: &Path) -> Result<Value, CliError> {
    let bytes = super::read_input(path)?;
    let content_type = match path.extension().and_then(|e| e.to_str()).map(str::to_lowercase) {
        Some(e) if e == "pdf" => "application/pdf",
        Some(e) if e == "png" => "image/png",
        Some(e) if e == "jpg" || e == "jpeg" => "image/jpeg",
        _ => return Err(fail(format!("{}: attach a PDF, JPEG or PNG", path.display()))),
    };
    let title = path.file_stem().and_then(|s| s.to_str()).unwrap_or("document");
    serde_json::to_value(hcx_onboard::registration::Document::from_bytes(
        title,
        content_type,
        &bytes,
    ))
    .map_err(fail)
}

fn render_findings(findings: &[dto::FindingView]) -> String {
    if findings.is_empty() {
        return "The form is complete: submit it with `hcx onboard submit`.".into();
    }
    let mut lines = vec![format!("{} problem(s):", findings.len())];
    lines.extend(findings.iter().map(|f| format!("  {:<40} {}", f.path, f.message)));
    lines.join("\n")
}

fn render_certification(c: &dto::CertificationView) -> String {
    let mut lines = vec![format!(
        "{} certificate for {} as {} (protocol {}, sandbox {}), expires {}",
        c.state, c.participant_code, c.role, c.protocol_version, c.sandbox, c.expires_at
    )];
    lines.extend(c.reasons.iter().map(|r| format!("  ! {r}")));
    lines.extend(c.scenarios.iter().map(|s| {
        format!("  {} {:<36} {}", if s.passed { "ok  " } else { "FAIL" }, s.name, s.detail)
    }));
    lines.join("\n")
}

fn render_application(a: &dto::ApplicationView) -> String {
    let mut lines = vec![format!(
        "application {} ({}) for {}: {}",
        a.application_id, a.kind, a.participant_name, a.state
    )];
    if let Some(to) = &a.otp_sent_to {
        lines.push(format!("  OTP sent to {to}"));
    }
    if let Some(payer) = &a.awaiting_payer {
        lines.push(format!("  waiting for {payer} to approve in its console"));
    }
    if let Some(code) = &a.participant_code {
        lines.push(format!("  participant code {code}; credentials: {}", a.credentials));
    }
    lines.extend(a.reasons.iter().map(|r| format!("  rejected: {r}")));
    lines.extend(a.history.iter().map(|h| format!("  {}  {:<24} {}", h.at, h.state, h.note)));
    lines.push(format!("  production profile: {}", a.profile_id));
    lines.join("\n")
}

fn render_golive(g: &dto::GoLiveView) -> String {
    let mut lines = vec![format!(
        "{} ({:?}): {}",
        g.profile_id,
        g.environment,
        if g.ready { "ready to go live" } else { "not ready yet" }
    )];
    lines.extend(
        g.items.iter().map(|i| format!("  [{:<7}] {:<24} {}", i.status, i.title, i.detail)),
    );
    if let Some(at) = &g.credentials_stored_at {
        lines.push(format!("  production credentials stored in the keychain at {at}"));
    }
    lines.join("\n")
}

/// Runs `hcx onboard …`.
pub async fn run(console: &Console, command: OnboardCommand) -> Result<Output, CliError> {
    use OnboardCommand as C;
    match command {
        C::Certify { profile } => {
            let id = profile_id(console, profile.as_deref()).await?;
            let c = console.certify(&id).await.map_err(fail)?;
            let code = i32::from(c.state != "valid");
            Ok(Output { stdout: render_certification(&c), warning: None, code })
        }
        C::Certificate { profile, export } => {
            let id = profile_id(console, profile.as_deref()).await?;
            let c = console.certification(&id).await.map_err(fail)?.ok_or_else(|| {
                fail("no sandbox certificate yet: run `hcx onboard certify` first")
            })?;
            if let Some(path) = export {
                std::fs::write(&path, &c.certificate).map_err(fail)?;
            }
            Ok(ok(render_certification(&c)))
        }
        C::Verify { file, sandbox, role, version } => {
            verify(&file, &sandbox, &role, &version).await
        }
        C::Kinds => {
            let lines: Vec<String> = hcx_console::registration_kinds()
                .iter()
                .map(|k| {
                    let fields: Vec<String> = k
                        .fields
                        .iter()
                        .map(|f| {
                            format!(
                                "    {}{} ({})",
                                f.path,
                                if f.required { "*" } else { "" },
                                f.kind
                            )
                        })
                        .collect();
                    format!("{}: {}\n  {}\n{}", k.kind, k.label, k.verification, fields.join("\n"))
                })
                .collect();
            Ok(ok(lines.join("\n")))
        }
        C::Draft(args) => draft(console, args).await,
        C::Submit { profile, operator } => {
            let id = profile_id(console, profile.as_deref()).await?;
            let draft = console.registration_draft(&id, None).await.map_err(fail)?;
            let a = console
                .submit_registration(&id, draft.application, operator.as_deref())
                .await
                .map_err(fail)?;
            Ok(ok(render_application(&a)))
        }
        C::Status { profile } => {
            let id = profile_id(console, profile.as_deref()).await?;
            Ok(ok(render_application(&console.application_status(&id).await.map_err(fail)?)))
        }
        C::Otp { code, profile } => {
            let id = profile_id(console, profile.as_deref()).await?;
            Ok(ok(render_application(&console.submit_otp(&id, &code).await.map_err(fail)?)))
        }
        C::ResendOtp { profile } => {
            let id = profile_id(console, profile.as_deref()).await?;
            Ok(ok(render_application(&console.resend_otp(&id).await.map_err(fail)?)))
        }
        C::Outbox { admin, application } => {
            let messages = admin.operator()?.outbox(application.as_deref()).await.map_err(fail)?;
            let lines: Vec<String> = messages
                .iter()
                .map(|m| format!("{}  {:<5} {:<28} {}", m.at.to_rfc3339(), m.channel, m.to, m.text))
                .collect();
            Ok(ok(lines.join("\n")))
        }
        C::Queue { admin, state } => {
            let rows = admin.operator()?.queue(state.as_deref()).await.map_err(fail)?;
            let lines: Vec<String> = rows
                .iter()
                .map(|a| {
                    format!(
                        "{}  {:<24} {:<22} {}",
                        a.application_id,
                        a.state.name(),
                        serde_json::to_value(a.kind)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_owned))
                            .unwrap_or_default(),
                        a.participant_name
                    )
                })
                .collect();
            Ok(ok(lines.join("\n")))
        }
        C::Review { admin, application, decision, reason } => {
            let approve = match decision.as_str() {
                "approve" => true,
                "refuse" => false,
                other => return Err(fail(format!("{other:?}: approve or refuse"))),
            };
            let request = hcx_onboard::operator_api::DecisionRequest { approve, reason };
            let a = admin.operator()?.decide_review(&application, &request).await.map_err(fail)?;
            Ok(ok(format!("{}: {}", a.application_id, a.state.name())))
        }
        C::Credentials { profile } => {
            let id = profile_id(console, profile.as_deref()).await?;
            Ok(ok(render_golive(&console.fetch_credentials(&id).await.map_err(fail)?)))
        }
        C::ConnectBridge { bridge, bridge_token_env, profile } => {
            let id = profile_id(console, profile.as_deref()).await?;
            let token = std::env::var(&bridge_token_env)
                .map_err(|_| fail(format!("environment variable {bridge_token_env} is not set")))?;
            console
                .set_bridge(&id, &bridge, &hcx_console::Secret::new(token))
                .await
                .map_err(fail)?;
            let endpoint = console.connect_bridge(&id).await.map_err(fail)?;
            Ok(ok(format!("callbacks now go to {endpoint}")))
        }
        C::Compromise { note, profile } => {
            let id = profile_id(console, profile.as_deref()).await?;
            let r = console.report_compromise(&id, &note).await.map_err(fail)?;
            Ok(ok(format!(
                "new key pair (fingerprint {}) and new secret stored in the keychain at {}; \
                 registry certificate updated: {}",
                r.fingerprint, r.secret_rotated_at, r.certificate_updated
            )))
        }
        C::Approvals => {
            let rows = console.empanelment_requests().await.map_err(fail)?;
            if rows.is_empty() {
                return Ok(ok("No empanelment requests name this profile."));
            }
            let lines: Vec<String> = rows
                .iter()
                .map(|r| {
                    format!(
                        "{}  {:<24} {} | {} | {} | proof: {}",
                        r.application_id,
                        r.state,
                        r.facility_name,
                        r.licence_number,
                        r.empanelment,
                        r.proof.as_deref().unwrap_or("none")
                    )
                })
                .collect();
            Ok(ok(lines.join("\n")))
        }
        C::Approve { application } => {
            let r = console.decide_empanelment(&application, true, "").await.map_err(fail)?;
            Ok(ok(format!("{}: {}", r.application_id, r.state)))
        }
        C::Refuse { application, reason } => {
            let r = console.decide_empanelment(&application, false, &reason).await.map_err(fail)?;
            Ok(ok(format!("{}: {}", r.application_id, r.state)))
        }
        C::Checklist { profile } => {
            let id = profile_id(console, profile.as_deref()).await?;
            let g = console.go_live(&id).await.map_err(fail)?;
            let code = i32::from(!g.ready);
            Ok(Output { stdout: render_golive(&g), warning: None, code })
        }
        C::Pilot { mode, to, profile } => {
            let id = profile_id(console, profile.as_deref()).await?;
            let enabled = match mode.as_str() {
                "on" => true,
                "off" => false,
                other => return Err(fail(format!("pilot {other:?}: on or off"))),
            };
            let mut list = console.go_live(&id).await.map_err(fail)?.pilot_counterparties;
            list.extend(to);
            let g = console.set_pilot(&id, enabled, list).await.map_err(fail)?;
            Ok(ok(render_golive(&g)))
        }
        C::Trained { by, profile } => {
            let id = profile_id(console, profile.as_deref()).await?;
            Ok(ok(render_golive(&console.mark_staff_trained(&id, &by).await.map_err(fail)?)))
        }
    }
}

async fn draft(console: &Console, args: DraftArgs) -> Result<Output, CliError> {
    let id = profile_id(console, args.profile.as_deref()).await?;
    let mut draft = console.registration_draft(&id, args.kind.as_deref()).await.map_err(fail)?;
    if !args.set.is_empty() || !args.attach.is_empty() {
        let mut app = draft.application.clone();
        for s in &args.set {
            let (path, value) = split_assignment(s)?;
            let value = match value {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                v => Value::String(v.to_owned()),
            };
            set_path(&mut app, path, value)?;
        }
        for a in &args.attach {
            let (path, file) = split_assignment(a)?;
            set_path(&mut app, path, document(Path::new(file))?)?;
        }
        draft = console.save_registration_draft(&id, app).await.map_err(fail)?;
    }
    if args.json {
        return serde_json::to_string_pretty(&draft).map(ok).map_err(fail);
    }
    Ok(ok(format!(
        "{} draft, saved {}\n{}",
        draft.kind,
        draft.saved_at,
        render_findings(&draft.findings)
    )))
}

/// The operator's certificate check, against the sandbox at `sandbox`.
async fn verify(file: &Path, sandbox: &str, role: &str, version: &str) -> Result<Output, CliError> {
    let text = String::from_utf8(super::read_input(file)?).map_err(fail)?;
    let role: Role =
        role.parse().map_err(|_| fail(format!("--role {role:?} is not a registry role")))?;
    let version: ApiVersion =
        version.parse().map_err(|_| fail(format!("--version {version:?}: v0.7, v0.8 or v0.9")))?;
    let described = describe_sandbox(sandbox, version).await.map_err(fail)?;
    let trusted = TrustedSandbox {
        code: described.hcx_code,
        base_url: String::new(),
        cert_pem: described.hcx_cert_pem,
    };
    let expect = Expectation {
        role,
        protocol_version: version,
        now: chrono::Utc::now(),
        registered_cert_pem: None,
    };
    match verify_certificate(text.trim(), &[trusted], &expect) {
        Ok(v) => Ok(ok(format!(
            "valid: {} certified as {} with protocol {} ({} scenarios)",
            v.claims.participant_code,
            v.claims.role,
            v.claims.protocol_version,
            v.claims.scenarios.len()
        ))),
        Err(reasons) => {
            let lines: Vec<String> =
                reasons.iter().map(|r| format!("refused: {}", r.message())).collect();
            Ok(Output { stdout: lines.join("\n"), warning: None, code: 1 })
        }
    }
}
