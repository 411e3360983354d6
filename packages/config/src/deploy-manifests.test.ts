// Checks the deployment files at the repository root against the code they start:
// docker-compose.yml, deploy/k8s/*.yaml and deploy/github-app.yml. It lives in @tablesnap/config
// because that package resolves `yaml` and owns the variables (test/ cannot resolve `yaml`).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { loadConfig } from "./load.ts";
import { type Need, requireSettings } from "./require.ts";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const read = (...parts: string[]) => readFileSync(join(ROOT, ...parts), "utf8");

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === "object" && v !== null ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

const SERVICES = ["ingress", "status-api", "coordinator", "dump-worker", "publisher"] as const;

/** What each service's main.ts insists on: the arguments of its requireSettings call. */
function needsOf(service: string): Need[] {
  const main = read("services", service, "src", "main.ts");
  const call = /requireSettings\(config((?:,\s*"[a-z]+")*)\)/.exec(main);
  return [...(call?.[1] ?? "").matchAll(/"([a-z]+)"/g)].map((m) => m[1] as Need);
}

/**
 * The service a `node services/<name>/src/main.ts` command runs, checked to exist. Never through
 * pnpm: it does not pass SIGTERM on, so a stop would wait for the kill.
 */
function serviceOfCommand(command: unknown): string {
  const words = arr(command).map(String);
  expect(words).toHaveLength(2);
  expect(words[0]).toBe("node");
  const m = /^services\/([a-z-]+)\/src\/main\.ts$/.exec(words[1] ?? "");
  const name = m?.[1] ?? "";
  expect(name, words[1]).not.toBe("");
  expect(read("services", name, "src", "main.ts")).toContain("runService(");
  return name;
}

/** Compose interpolation as `docker compose config` does it for unset variables. */
function interpolate(v: unknown): string {
  return String(v)
    .replace(
      /\$\{([A-Z0-9_]+)(?::?-([^}]*))?\}/g,
      (_m, _name, dflt: string | undefined) => dflt ?? "",
    )
    .replace(/\$\$/g, "$");
}

function checkEnv(service: string, env: Record<string, string>): void {
  const config = loadConfig(env); // throws a ConfigError naming what is missing
  expect(() => requireSettings(config, ...needsOf(service)), service).not.toThrow();
}

/** The routes an HTTP service's app serves, from its source. */
function routesOf(service: string): string[] {
  // Each HTTP service's logic is the package of its name.
  const dir = join("packages", service, "src");
  const text = readdirSync(join(ROOT, dir))
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
    .map((f) => read(dir, f))
    .join("\n");
  // Plain Hono routes, the route declarations (`createRoute({ path: … })`) apps serve, and
  // @tablesnap/http's shared HEALTHZ_ROUTE (`/healthz`) where a service declares it.
  return [
    ...text.matchAll(/app\.(?:get|post)\("([^"]+)"|\bpath: "(\/[^"]*)"|\b(HEALTHZ_ROUTE)\b/g),
  ].map((m) => m[1] ?? m[2] ?? (m[3] ? "/healthz" : ""));
}

describe("docker-compose.yml", () => {
  const compose = obj(parse(read("docker-compose.yml"), { merge: true }));
  const services = obj(compose["services"]);

  it("runs the five services from the root Dockerfile, one command each", () => {
    expect(existsSync(join(ROOT, "Dockerfile"))).toBe(true);
    const run = Object.values(services)
      .map(obj)
      .filter((s) => s["image"] === "tablesnap:local");
    expect(run.map((s) => serviceOfCommand(s["command"])).sort()).toEqual([...SERVICES].sort());
    for (const s of run) expect(obj(s["build"])["dockerfile"]).toBe("Dockerfile");
  });

  it("gives every service every variable its main.ts requires", () => {
    for (const name of SERVICES) {
      const env = Object.fromEntries(
        Object.entries(obj(obj(services[name])["environment"])).map(([k, v]) => [
          k,
          interpolate(v),
        ]),
      );
      checkEnv(name, env);
      expect(env["NATS_URL"]).toBe("nats://nats:4222");
    }
  });

  it("checks /healthz of the ingress and the status API, runs JetStream on a volume, creates the bucket", () => {
    for (const service of ["status-api", "ingress"]) {
      expect(routesOf(service)).toContain("/healthz");
      const check = arr(obj(obj(services[service])["healthcheck"])["test"]).join(" ");
      expect(check, service).toContain("/healthz");
      expect(check, service).toContain("r.ok");
    }
    const nats = obj(services["nats"]);
    expect(arr(nats["command"])).toContain("-js");
    expect(arr(nats["volumes"]).some((v) => String(v).endsWith(":/data"))).toBe(true);
    const init = obj(services["minio-init"]);
    expect(String(init["image"])).toMatch(/^minio\/mc/);
    expect(arr(init["command"]).join(" ")).toContain("mc mb");
  });
});

describe("deploy/k8s", () => {
  const docs = readdirSync(join(ROOT, "deploy", "k8s"))
    .filter((f) => f.endsWith(".yaml"))
    .flatMap((f) => parseAllDocuments(read("deploy", "k8s", f)).map((d) => obj(d.toJSON())));
  const kind = (k: string) => docs.filter((d) => d["kind"] === k);
  const configMaps = new Map(kind("ConfigMap").map((c) => [obj(c["metadata"])["name"], c]));
  // What a Secret must hold (the deployments mark those keys not optional) stands for a value.
  const SAMPLE: Record<string, string> = {
    TABLESNAP_DATABASE_URL: "postgres://tablesnap@db.internal/app",
    TABLESNAP_STATE_URL: "postgres://tablesnap@state.internal/tablesnap",
  };

  it("has a Deployment per service, probed on the routes its app serves", () => {
    const deployments = kind("Deployment");
    const names = deployments.map((d) => {
      const [c, ...more] = arr(obj(obj(obj(d["spec"])["template"])["spec"])["containers"]).map(obj);
      expect(more).toEqual([]);
      const service = serviceOfCommand(c?.["command"]);
      expect(obj(obj(c?.["resources"])["requests"])["memory"]).toBeTruthy();
      for (const probe of ["readinessProbe", "livenessProbe"]) {
        const path = obj(obj(c?.[probe])["httpGet"])["path"];
        if (path !== undefined) expect(routesOf(service)).toContain(path);
      }
      if (service === "status-api" || service === "ingress") {
        expect(obj(obj(c?.["readinessProbe"])["httpGet"])["path"]).toBe("/readyz");
        expect(obj(obj(c?.["livenessProbe"])["httpGet"])["path"]).toBe("/healthz");
      }
      return service;
    });
    expect(names.sort()).toEqual([...SERVICES].sort());
  });

  it("gives every Deployment every variable its main.ts requires, secrets by reference", () => {
    for (const d of kind("Deployment")) {
      const c = obj(arr(obj(obj(obj(d["spec"])["template"])["spec"])["containers"])[0]);
      const env: Record<string, string> = {};
      for (const from of arr(c["envFrom"]).map(obj)) {
        const ref = obj(from["configMapRef"])["name"];
        if (ref === undefined) continue;
        expect(configMaps.has(ref), `ConfigMap ${String(ref)}`).toBe(true);
        Object.assign(env, obj(obj(configMaps.get(ref))["data"]));
      }
      for (const e of arr(c["env"]).map(obj)) {
        const ref = obj(obj(e["valueFrom"])["secretKeyRef"]);
        expect(ref["name"]).toBe("tablesnap-secrets");
        expect(ref["key"]).toBe(e["name"]);
        if (ref["optional"] === false) env[String(e["name"])] = SAMPLE[String(e["name"])] ?? "x";
      }
      checkEnv(serviceOfCommand(c["command"]), env);
    }
  });

  it("has a Service for the ingress and the status API", () => {
    const selected = kind("Service").map(
      (s) => obj(obj(s["spec"])["selector"])["app.kubernetes.io/name"],
    );
    expect(selected.sort()).toEqual(["tablesnap-ingress", "tablesnap-status-api"]);
  });
});

describe("deploy/github-app.yml", () => {
  it("asks for push and pull_request events and contents: write", () => {
    const app = obj(parse(read("deploy", "github-app.yml")));
    expect(app["public"]).toBe(false);
    expect(arr(app["default_events"])).toEqual(expect.arrayContaining(["push", "pull_request"]));
    expect(app["default_permissions"]).toMatchObject({ contents: "write", metadata: "read" });
    expect(String(obj(app["hook_attributes"])["url"])).toMatch(/\/webhooks\/github$/);
    expect(app["redirect_url"]).toBeTruthy();
  });
});
