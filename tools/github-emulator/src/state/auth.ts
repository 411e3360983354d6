import { createPublicKey, type KeyObject } from "node:crypto";
import { EmulatorConfigError } from "../errors.ts";
import type { AppSpec, InstallationSpec, TokenSpec } from "../types.ts";
import { newToken, stableId } from "./ids.ts";

/** Which repositories a token sees. Neither set: all of them. Names are lower-case. */
export interface RepoScope {
  readonly owners?: ReadonlySet<string>;
  readonly repos?: ReadonlySet<string>;
}

export interface TokenRecord {
  readonly token: string;
  readonly kind: "personal" | "installation";
  readonly login: string;
  readonly userId: number;
  readonly scope: RepoScope;
  readonly permission: "read" | "write";
  /** ms since the epoch; `undefined`: never expires. */
  readonly expiresAt: number | undefined;
  readonly installationId: number | undefined;
  readonly permissions: Readonly<Record<string, string>>;
}

export interface AppConfig {
  readonly id: number;
  readonly slug: string;
  readonly clientId: string;
  readonly key: KeyObject | undefined;
}

export const DEFAULT_LOGIN = "emulator-user";
export const DEFAULT_INSTALLATION_PERMISSIONS = { contents: "write", metadata: "read" } as const;

/** Tokens, the GitHub App and its installations. */
export class AuthStore {
  readonly #tokens = new Map<string, TokenRecord>();
  readonly #installations = new Map<number, InstallationSpec>();
  #app: AppConfig | undefined;

  get app(): AppConfig | undefined {
    return this.#app;
  }

  token(value: string): TokenRecord | undefined {
    return this.#tokens.get(value);
  }

  addToken(spec: TokenSpec): void {
    const login = spec.login ?? DEFAULT_LOGIN;
    const expires = spec.expiresAt === undefined ? undefined : new Date(spec.expiresAt).getTime();
    this.#tokens.set(spec.token, {
      token: spec.token,
      kind: "personal",
      login,
      userId: stableId("user", login),
      scope: spec.repositories ? { repos: lowerSet(spec.repositories) } : {},
      permission: spec.permission ?? "write",
      expiresAt: expires,
      installationId: undefined,
      permissions: { contents: spec.permission ?? "write", metadata: "read" },
    });
  }

  removeToken(value: string): void {
    this.#tokens.delete(value);
  }

  configureApp(spec: AppSpec): void {
    const pem = spec.publicKey ?? spec.privateKey;
    let key: KeyObject | undefined;
    try {
      key = pem === undefined ? undefined : createPublicKey(pem);
    } catch (e) {
      throw new EmulatorConfigError("the app's key is not a PEM RSA key", { cause: e });
    }
    this.#app = {
      id: spec.id,
      slug: spec.slug ?? `emulator-app-${spec.id}`,
      clientId: spec.clientId ?? `Iv1.${spec.id.toString(16).padStart(16, "0")}`,
      key,
    };
    for (const inst of spec.installations ?? []) this.addInstallation(inst);
  }

  addInstallation(spec: InstallationSpec): void {
    this.#installations.set(spec.id, spec);
  }

  installation(id: number): InstallationSpec | undefined {
    return this.#installations.get(id);
  }

  /** The installation covering `owner/repo`, if the app is installed there. */
  installationFor(owner: string, repo: string): InstallationSpec | undefined {
    for (const inst of this.#installations.values()) {
      if (inst.account.toLowerCase() !== owner.toLowerCase()) continue;
      const names = inst.repositories?.map((r) => r.toLowerCase());
      if (!names || names.includes(repo.toLowerCase())) return inst;
    }
    return undefined;
  }

  /** Issues an installation token limited to `repos` (lower-case full names) when given. */
  issueInstallationToken(
    inst: InstallationSpec,
    repos: ReadonlySet<string> | undefined,
    permissions: Readonly<Record<string, string>>,
    expiresAt: number,
  ): TokenRecord {
    const login = `${this.#app?.slug ?? "emulator-app"}[bot]`;
    const scope: RepoScope = repos ? { repos } : installationScope(inst);
    const record: TokenRecord = {
      token: newToken("ghs"),
      kind: "installation",
      login,
      userId: stableId("user", login),
      scope,
      permission: permissions["contents"] === "read" ? "read" : "write",
      expiresAt,
      installationId: inst.id,
      permissions,
    };
    this.#tokens.set(record.token, record);
    return record;
  }
}

export function installationScope(inst: InstallationSpec): RepoScope {
  const owner = inst.account.toLowerCase();
  return inst.repositories
    ? { repos: new Set(inst.repositories.map((r) => `${owner}/${r.toLowerCase()}`)) }
    : { owners: new Set([owner]) };
}

export function inScope(scope: RepoScope, owner: string, repo: string): boolean {
  if (scope.repos) return scope.repos.has(`${owner}/${repo}`.toLowerCase());
  if (scope.owners) return scope.owners.has(owner.toLowerCase());
  return true;
}

const lowerSet = (names: readonly string[]): ReadonlySet<string> =>
  new Set(names.map((n) => n.toLowerCase()));
