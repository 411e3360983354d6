import { createSign } from "node:crypto";
import type { GitHubRequester } from "./redeliver.ts";

export interface AppClientOptions {
  readonly apiUrl: string;
  readonly appId: string;
  /** PEM private key of the GitHub App. */
  readonly privateKey: string;
  readonly fetch?: typeof fetch;
  readonly now?: () => Date;
}

const b64url = (v: string | Buffer) => Buffer.from(v).toString("base64url");

/** An RS256 app JWT, valid 9 minutes from 60 s ago (GitHub allows 10, clocks drift). */
export function appJwt(appId: string, privateKey: string, now: Date): string {
  const iat = Math.floor(now.getTime() / 1000) - 60;
  const head = b64url(JSON.stringify({ alg: "RS256", typ: "JWT" }));
  const body = b64url(JSON.stringify({ iat, exp: iat + 540, iss: appId }));
  const sig = createSign("RSA-SHA256").update(`${head}.${body}`).sign(privateKey);
  return `${head}.${body}.${b64url(sig)}`;
}

/**
 * A minimal client for the two app-JWT endpoints redelivery uses, on `fetch`: `"METHOD /path"`
 * routes with `{name}` placeholders filled from params, the rest as query (GET) or JSON body.
 */
export function githubAppClient(options: AppClientOptions): GitHubRequester {
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? (() => new Date());
  return {
    async request(route, params = {}) {
      const [method = "GET", template = "/"] = route.split(" ");
      const rest: Record<string, unknown> = { ...params };
      const path = template.replace(/\{(\w+)\}/g, (_, k: string) => {
        const v = rest[k];
        delete rest[k];
        return encodeURIComponent(String(v));
      });
      const url = new URL(options.apiUrl.replace(/\/$/, "") + path);
      if (method === "GET")
        for (const [k, v] of Object.entries(rest)) url.searchParams.set(k, String(v));
      const res = await doFetch(url, {
        method,
        headers: {
          authorization: `Bearer ${appJwt(options.appId, options.privateKey, now())}`,
          accept: "application/vnd.github+json",
          "x-github-api-version": "2022-11-28",
          ...(method === "GET" ? {} : { "content-type": "application/json" }),
        },
        ...(method === "GET" ? {} : { body: JSON.stringify(rest) }),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`GitHub ${route} answered ${res.status}`);
      const headers: Record<string, string> = {};
      res.headers.forEach((v, k) => {
        headers[k] = v;
      });
      return { data: text === "" ? null : (JSON.parse(text) as unknown), headers };
    },
  };
}
