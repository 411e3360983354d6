/** A token the emulator accepts in `Authorization: token …` or `Authorization: Bearer …`. */
export interface TokenSpec {
  readonly token: string;
  /** The user the token acts as (owner of `POST /user/repos`); default `emulator-user`. */
  readonly login?: string;
  /** `owner/repo` names the token may see; others answer 404. Default: every repository. */
  readonly repositories?: readonly string[];
  /** `read` tokens get 403 on writes. Default `write`. */
  readonly permission?: "read" | "write";
  /** After this instant the token answers 401 `Bad credentials`. */
  readonly expiresAt?: Date | string;
}

/** An installation of the GitHub App on an account. */
export interface InstallationSpec {
  readonly id: number;
  /** Login of the user or organization the app is installed on. */
  readonly account: string;
  readonly accountType?: "User" | "Organization";
  /** Repository names (without owner) the installation may access. Default: all of `account`. */
  readonly repositories?: readonly string[];
  /** Default `{ contents: "write", metadata: "read" }`. */
  readonly permissions?: Readonly<Record<string, "read" | "write" | "admin">>;
}

/** The GitHub App whose JWTs the `/app/...` endpoints accept. */
export interface AppSpec {
  readonly id: number;
  readonly slug?: string;
  readonly clientId?: string;
  /**
   * PEM key that JWT signatures (RS256) are checked with. A private key works too (its public
   * half is used). Without either, signatures are not checked; the claims still are.
   */
  readonly publicKey?: string;
  readonly privateKey?: string;
  readonly installations?: readonly InstallationSpec[];
}

/** Faults the next requests meet. Counts are consumed one per request. */
export interface FaultSettings {
  /** The next N requests answer 403 with GitHub's secondary-rate-limit message. */
  readonly secondaryRateLimit?: number;
  /** `retry-after` seconds of those answers; default 60. */
  readonly retryAfterSeconds?: number;
  /** The next N requests answer 502. */
  readonly badGateway?: number;
  /** Every request waits this long before it is answered. */
  readonly delayMs?: number;
  /** Faults (not the delay) hit only POST/PATCH/PUT/DELETE; reads pass. Default false. */
  readonly writesOnly?: boolean;
}

export interface FaultState {
  readonly secondaryRateLimit: number;
  readonly retryAfterSeconds: number;
  readonly badGateway: number;
  readonly delayMs: number;
  readonly writesOnly: boolean;
}

export interface FaultControl {
  /** Merges `settings` into the current faults. */
  set(settings: FaultSettings): void;
  clear(): void;
  state(): FaultState;
}

/** Requests seen since start or the last reset; control endpoints are not counted. */
export interface RequestCounts {
  readonly total: number;
  /** POST, PATCH, PUT and DELETE requests. */
  readonly writes: number;
  readonly byMethod: Readonly<Record<string, number>>;
  /** Keyed `METHOD /route/{param}`, e.g. `POST /repos/{owner}/{repo}/git/trees`. */
  readonly byRoute: Readonly<Record<string, number>>;
}

/** How a protected branch refuses updates (ref PATCH/DELETE, contents PUT). */
export interface BranchProtection {
  /** `all`: every update is refused (default). `force`: only non-fast-forward and deletion. */
  readonly refuse?: "all" | "force";
  /** Status of the refusal: 422 (default) or 403. */
  readonly status?: 403 | 422;
  /** Default `Protected branch update failed for refs/heads/<branch>.` */
  readonly message?: string;
}

export interface DeliverySeed {
  readonly event: string;
  readonly action?: string | null;
  readonly guid?: string;
  readonly statusCode?: number;
  readonly status?: string;
  readonly deliveredAt?: Date | string;
  readonly duration?: number;
  readonly installationId?: number | null;
  readonly repositoryId?: number | null;
  readonly payload?: Readonly<Record<string, unknown>>;
}

/** A webhook delivery as `GET /app/hook/deliveries/{id}` shows it. */
export interface HookDelivery {
  readonly id: number;
  readonly guid: string;
  readonly delivered_at: string;
  readonly redelivery: boolean;
  readonly duration: number;
  readonly status: string;
  readonly status_code: number;
  readonly event: string;
  readonly action: string | null;
  readonly installation_id: number | null;
  readonly repository_id: number | null;
  readonly throttled_at: string | null;
  readonly url: string;
  readonly request: {
    readonly headers: Record<string, string>;
    readonly payload: Readonly<Record<string, unknown>>;
  };
  readonly response: { readonly headers: Record<string, string>; readonly payload: string };
}

export interface EmulatorOptions {
  /** Repositories live at `<dataDir>/<owner>/<repo>.git`. */
  readonly dataDir: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly hostname?: string;
  readonly tokens?: readonly TokenSpec[];
  readonly app?: AppSpec;
  readonly faults?: FaultSettings;
  /** Primary rate limit per credential and hour; default 5000. */
  readonly rateLimit?: number;
  /** Lifetime of installation tokens; default 3600 s. */
  readonly installationTokenTtlSeconds?: number;
  /** Clock (ms since epoch) for token expiry, rate-limit windows and default commit dates. */
  readonly now?: () => number;
}

/** What tests can do with a running emulator besides HTTP. */
export interface EmulatorControl {
  readonly dataDir: string;
  readonly faults: FaultControl;
  counts(): RequestCounts;
  resetCounts(): void;
  addToken(spec: TokenSpec): void;
  removeToken(token: string): void;
  configureApp(spec: AppSpec): void;
  addInstallation(spec: InstallationSpec): void;
  addDelivery(seed: DeliverySeed): HookDelivery;
  /** Every delivery, newest first, redeliveries included. */
  deliveries(): readonly HookDelivery[];
  protectBranch(owner: string, repo: string, branch: string, protection?: BranchProtection): void;
  unprotectBranch(owner: string, repo: string, branch: string): void;
  /** Path of the bare repository `owner/repo` (whether or not it exists). */
  repoPath(owner: string, repo: string): string;
}

export interface Emulator extends EmulatorControl {
  /** `http://127.0.0.1:<port>`: pass as Octokit's `baseUrl`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}
