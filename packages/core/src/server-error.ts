/** The fields of a PostgreSQL error as postgres.js gives them. */
export interface ServerError extends Error {
  readonly severity: string;
  readonly code: string;
  readonly detail?: string;
  readonly hint?: string;
  readonly where?: string;
  readonly schema_name?: string;
  readonly table_name?: string;
  readonly column_name?: string;
  readonly constraint_name?: string;
}

export function isServerError(e: unknown): e is ServerError {
  return (
    e instanceof Error &&
    typeof (e as { severity?: unknown }).severity === "string" &&
    typeof (e as { code?: unknown }).code === "string"
  );
}

/**
 * A server error as one line, with its DETAIL and HINT. Errors of SQLSTATE class 22 (data
 * exception) and 23 (integrity constraint violation) quote the row they are about: a 23's DETAIL
 * ("Failing row contains (…)", "Key (email)=(…) already exists"), a 22's message after its colon
 * (`invalid input syntax for type integer: "…"`) and both their CONTEXT. For those the line keeps
 * the server's words up to the quoted value and adds where it was (column, COPY line) from the
 * error's fields, so row data never reaches a log, a terminal, the state database or Slack.
 */
export function serverErrorLine(e: ServerError): string {
  const cls = e.code.slice(0, 2);
  if (cls !== "22" && cls !== "23")
    return [e.message, e.detail && `DETAIL: ${e.detail}`, e.hint && `HINT: ${e.hint}`]
      .filter(Boolean)
      .join("; ");
  // A 22 quotes the value after its colon, or inside its words (`value "…" is out of range`).
  const words =
    cls === "22" ? (e.message.split(": ")[0] ?? "").replace(/"[^"]*"/g, '"…"') : e.message;
  const copy = /\bCOPY [^,]+, line (\d+)(?:, column ([^:]+))?/.exec(e.where ?? "");
  const column = e.column_name ?? copy?.[2];
  const at = [column && `column ${column}`, copy && `line ${copy[1]} of the data`].filter(Boolean);
  return `${words}${at.length > 0 ? ` (${at.join(", ")})` : ""}; the values are left out: they are row data`;
}
