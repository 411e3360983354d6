import { createPublicKey, generateKeyPairSync, sign } from "node:crypto";
import { describe, expect, it } from "vitest";
import { looksLikeJwt, verifyAppJwt } from "./jwt.ts";
import type { AppConfig } from "./state/auth.ts";

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");

function jwt(claims: object, key = privateKey): string {
  const head = `${part({ alg: "RS256", typ: "JWT" })}.${part(claims)}`;
  return `${head}.${sign("sha256", Buffer.from(head), key).toString("base64url")}`;
}

const app: AppConfig = {
  id: 12,
  slug: "s",
  clientId: "Iv1.x",
  key: createPublicKey(publicKey.export({ type: "spki", format: "pem" })),
};
const now = 1_700_000_000;

describe("app JWT checks", () => {
  it("accepts an RS256 JWT signed with the app's key, issued by the app id or client id", () => {
    const t = jwt({ iat: now - 30, exp: now + 570, iss: "12" });
    expect(looksLikeJwt(t)).toBe(true);
    expect(verifyAppJwt(t, app, now)).toEqual({ ok: true });
    expect(verifyAppJwt(jwt({ iat: now, exp: now + 60, iss: 12 }), app, now)).toEqual({ ok: true });
    expect(verifyAppJwt(jwt({ iat: now, exp: now + 60, iss: "Iv1.x" }), app, now)).toEqual({
      ok: true,
    });
  });

  it("refuses a foreign signature, another app, and bad times like GitHub", () => {
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    const message = (t: string) => {
      const r = verifyAppJwt(t, app, now);
      return r.ok ? "ok" : r.message;
    };
    expect(message(jwt({ iat: now, exp: now + 60, iss: 12 }, other))).toBe(
      "A JSON web token could not be decoded",
    );
    expect(message(jwt({ iat: now, exp: now + 60, iss: 13 }))).toBe("Integration not found");
    expect(message(jwt({ iat: now, exp: now + 3600, iss: 12 }))).toMatch(/too far in the future/);
    expect(message(jwt({ iat: now - 700, exp: now - 100, iss: 12 }))).toMatch(
      /^'Expiration time' claim/,
    );
    expect(message(jwt({ iat: now + 600, exp: now + 601, iss: 12 }))).toMatch(/^'Issued at' claim/);
    expect(looksLikeJwt("ghp_plainToken")).toBe(false);
  });

  it("checks only the claims when the emulator has no key", () => {
    const unsigned = `${part({ alg: "RS256" })}.${part({ iat: now, exp: now + 60, iss: 12 })}.x`;
    expect(verifyAppJwt(unsigned, { ...app, key: undefined }, now)).toEqual({ ok: true });
  });
});
