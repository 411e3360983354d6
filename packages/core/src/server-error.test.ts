import { describe, expect, it } from "vitest";
import { messageOf } from "./errors.ts";
import { isServerError, type ServerError, serverErrorLine } from "./server-error.ts";

function serverError(fields: Partial<ServerError> & { message: string; code: string }) {
  return Object.assign(new Error(fields.message), { severity: "ERROR", ...fields }) as ServerError;
}

describe("serverErrorLine", () => {
  it("keeps DETAIL and HINT of errors that quote no row", () => {
    const e = serverError({
      message: 'relation "x" does not exist',
      code: "42P01",
      hint: "create it",
    });
    expect(serverErrorLine(e)).toBe('relation "x" does not exist; HINT: create it');
  });

  it("leaves out the row of a constraint violation, keeping where it was", () => {
    const e = serverError({
      message: 'duplicate key value violates unique constraint "users_email_key"',
      code: "23505",
      detail: "Key (email)=(alice@secret.example) already exists.",
      where: 'COPY users, line 3: "3\talice@secret.example"',
    });
    const line = serverErrorLine(e);
    expect(line).toBe(
      'duplicate key value violates unique constraint "users_email_key" (line 3 of the data); the values are left out: they are row data',
    );
    expect(messageOf(e)).toBe(line);
  });

  it("cuts a data exception's message before the value it quotes", () => {
    const e = serverError({
      message: 'invalid input syntax for type integer: "s3cr3t"',
      code: "22P02",
      where: 'COPY ledger, line 12, column id: "s3cr3t"',
    });
    expect(serverErrorLine(e)).toBe(
      "invalid input syntax for type integer (column id, line 12 of the data); the values are left out: they are row data",
    );
  });

  it("leaves out a value a data exception quotes inside its words", () => {
    const e = serverError({
      message: 'value "3000000000" is out of range for type integer',
      code: "22003",
    });
    expect(serverErrorLine(e)).toBe(
      'value "…" is out of range for type integer; the values are left out: they are row data',
    );
  });

  it("knows a server error from any other", () => {
    expect(isServerError(new Error("x"))).toBe(false);
    expect(isServerError(serverError({ message: "m", code: "57014" }))).toBe(true);
  });
});
