// The roles a desk added on the embedded sandbox may take, as `add_sandbox_desk` accepts them
// (hcx_console::demo::DESK_ROLES, which a console test keeps this list equal to), with what a
// clerk reads in the role picker.

export const DESK_ROLES: { role: string; label: string }[] = [
  { role: "agency.tpa", label: "TPA: reviews and answers requests" },
  { role: "payor", label: "Insurer: reviews and answers requests" },
  { role: "provider.hospital", label: "Hospital: sends requests" },
  { role: "provider.clinic", label: "Clinic: sends requests" },
];
