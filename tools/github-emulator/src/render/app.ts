import type { AppConfig } from "../state/auth.ts";
import { stableId } from "../state/ids.ts";
import type { HookDelivery, InstallationSpec } from "../types.ts";
import { simpleUser } from "./user.ts";

const EPOCH = "2024-01-01T00:00:00Z";

/** GitHub's `installation` for an installation of the app. */
export function installation(base: string, app: AppConfig, inst: InstallationSpec) {
  const type = inst.accountType ?? "Organization";
  const settings = type === "Organization" ? `organizations/${inst.account}/settings` : "settings";
  return {
    id: inst.id,
    account: simpleUser(base, inst.account, type),
    repository_selection: inst.repositories ? "selected" : "all",
    access_tokens_url: `${base}/app/installations/${inst.id}/access_tokens`,
    repositories_url: `${base}/installation/repositories`,
    html_url: `https://github.com/${settings}/installations/${inst.id}`,
    app_id: app.id,
    app_slug: app.slug,
    client_id: app.clientId,
    target_id: stableId("user", inst.account),
    target_type: type,
    permissions: inst.permissions ?? { contents: "write", metadata: "read" },
    events: [],
    created_at: EPOCH,
    updated_at: EPOCH,
    single_file_name: null,
    has_multiple_single_files: false,
    single_file_paths: [],
    suspended_by: null,
    suspended_at: null,
  };
}

/** `hook-delivery-item`: a delivery without its request and response. */
export function deliveryItem(d: HookDelivery) {
  return {
    id: d.id,
    guid: d.guid,
    delivered_at: d.delivered_at,
    redelivery: d.redelivery,
    duration: d.duration,
    status: d.status,
    status_code: d.status_code,
    event: d.event,
    action: d.action,
    installation_id: d.installation_id,
    repository_id: d.repository_id,
    throttled_at: d.throttled_at,
  };
}
