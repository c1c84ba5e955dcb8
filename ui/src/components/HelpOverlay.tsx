import { Modal } from "./Modal";

const GROUPS: { title: string; keys: [string, string][] }[] = [
  {
    title: "Anywhere",
    keys: [
      ["?", "Show or hide this help"],
      ["g q", "Work queue"],
      ["g n", "New request (compose)"],
      ["g i", "Review inbox (TPA / payer)"],
      ["g x", "Inspector"],
      ["g s", "Settings: profiles, keys, preflight"],
      ["Esc", "Close a dialog"],
    ],
  },
  {
    title: "Work queue",
    keys: [
      ["/", "Search patient, id or counterparty"],
      ["j / k", "Next / previous row"],
      ["Enter", "Open the selected cycle"],
    ],
  },
  {
    title: "Timeline",
    keys: [
      ["j / k", "Next / previous message"],
      ["1 – 4", "Summary, Headers, Gateway answer, Raw FHIR"],
    ],
  },
  {
    title: "Review inbox",
    keys: [
      ["j / k", "Next / previous request"],
      ["a", "Approve in full (then Enter to send)"],
      ["p", "Partial: edit approved amounts"],
      ["r", "Reject (then pick reasons)"],
      ["d", "Ask for documents"],
      ["Ctrl+Enter", "Send the decision"],
    ],
  },
  {
    title: "Forms",
    keys: [
      ["Ctrl+Enter", "Send (when the checker has no errors)"],
      ["Tab", "Next field; findings are checked on leaving a field"],
    ],
  },
];

export function HelpOverlay({ onClose }: { onClose: () => void }) {
  return (
    <Modal title="Keyboard shortcuts" onClose={onClose}>
      <div className="keys" data-testid="help">
        {GROUPS.map((g) => (
          <div key={g.title}>
            <h3 style={{ marginTop: 0 }}>{g.title}</h3>
            <table>
              <tbody>
                {g.keys.map(([k, what]) => (
                  <tr key={k}>
                    <td className="nowrap">
                      {k.split(" ").map((part, i) => ((part === "/" && k !== "/") || part === "–" ? <span key={i}> {part} </span> : <kbd key={i}>{part}</kbd>))}
                    </td>
                    <td>{what}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      </div>
    </Modal>
  );
}
