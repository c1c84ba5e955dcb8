import type { DescribedError } from "../lib/errors";
import { Link } from "../app/router";

/** Shows a backend error: the table's heading, the backend's message, and where to fix it. */
export function ErrorBanner({ error, onRetry }: { error: DescribedError; onRetry?: () => void }) {
  return (
    <div className={`banner ${error.severity === "error" ? "error" : "warning"}`} role="alert" data-code={error.code}>
      <div className="grow">
        <b>{error.title}.</b> {error.message}
        {error.fix === "golive" && (
          <>
            {" "}
            <Link to="/onboarding">Open Go live</Link>
          </>
        )}
        {error.fix === "settings" && (
          <>
            {" "}
            <Link to="/settings">Open settings</Link>
          </>
        )}
      </div>
      {error.retryable && onRetry && (
        <button type="button" className="btn small" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}
