//! The TypeScript wrappers of the command table (`ui/src/api/commands.gen.ts`): one typed
//! function per command, calling the UI's transport with the command's wire name and its
//! camelCase argument object. A unit test keeps the committed file equal to this output.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::table::{CommandSpec, specs};

/// Where the generated file lives, relative to the repository root.
pub const GENERATED_PATH: &str = "ui/src/api/commands.gen.ts";

/// `get_thread` → `getThread`.
pub fn camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The whole generated file.
pub fn typescript() -> String {
    let specs = specs();
    let mut imports: BTreeMap<String, String> = BTreeMap::new();
    for spec in &specs {
        for (path, name) in &spec.imports {
            imports.insert(path.clone(), name.clone());
        }
    }
    let mut out = String::from(
        "// Generated from hcx-console's command table (crates/hcx-console/src/surface/table.rs)\n\
         // by `cargo test -p hcx-console --lib surface`. Do not edit: add the command there.\n\n",
    );
    for (path, name) in &imports {
        let _ = writeln!(out, "import type {{ {name} }} from \"../bindings/{path}\";");
    }
    out.push_str("import { call } from \"./transport\";\n");
    for spec in &specs {
        out.push('\n');
        write_wrapper(&mut out, spec);
    }
    out
}

fn write_wrapper(out: &mut String, spec: &CommandSpec) {
    if !spec.doc.is_empty() {
        out.push_str("/**");
        for line in &spec.doc {
            let _ = write!(out, "\n *{line}");
        }
        out.push_str("\n */\n");
    }
    let params: Vec<String> =
        spec.args.iter().map(|(name, ty)| format!("{}: {ty}", camel(name))).collect();
    let keys: Vec<String> = spec.args.iter().map(|(name, _)| camel(name)).collect();
    let args = if keys.is_empty() { String::new() } else { format!(", {{ {} }}", keys.join(", ")) };
    let _ = writeln!(
        out,
        "export const {} = ({}) =>\n  call<{}>(\"{}\"{args});",
        camel(spec.name),
        params.join(", "),
        spec.result,
        spec.name,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_camel_case() {
        assert_eq!(camel("get_thread"), "getThread", "the wrapper of get_thread");
        assert_eq!(camel("app_status"), "appStatus", "serde's camelCase rename agrees");
        assert_eq!(camel("inspect"), "inspect", "a one-word name stays");
    }

    #[test]
    fn every_command_has_a_wrapper_with_its_camel_case_arguments() {
        let ts = typescript();
        assert!(
            ts.contains("export const getThread = (correlationId: string) =>\n  call<ThreadDetail>(\"get_thread\", { correlationId });"),
            "get_thread takes {{correlationId}} and answers a ThreadDetail:\n{ts}"
        );
        assert!(
            ts.contains("import type { ThreadDetail } from \"../bindings/ThreadDetail\";"),
            "result types are imported from the ts-rs bindings"
        );
        assert!(
            ts.contains("call<Array<ProfileView>>(\"list_profiles\");"),
            "a command without arguments sends none"
        );
        for name in super::super::NAMES {
            assert!(ts.contains(&format!("(\"{name}\"")), "{name} has a wrapper");
        }
    }

    /// Like ts-rs for the view types: the committed wrappers must be what the table generates.
    /// A stale file is rewritten (so `git diff` shows the change to commit) and the test fails.
    #[test]
    fn the_committed_typescript_wrappers_are_up_to_date() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(GENERATED_PATH);
        let fresh = typescript();
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != fresh {
            std::fs::write(&path, &fresh).unwrap();
            panic!(
                "{} was not what the command table generates; it has been regenerated: review and \
                 commit it",
                path.display()
            );
        }
    }
}
