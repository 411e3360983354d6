const REST = "https://docs.github.com/rest";

/** GitHub's `documentation_url` of each emulated operation, keyed `METHOD /template`. */
const ROUTE_DOCS: Readonly<Record<string, string>> = {
  "POST /orgs/{org}/repos": "repos/repos#create-an-organization-repository",
  "POST /user/repos": "repos/repos#create-a-repository-for-the-authenticated-user",
  "GET /repos/{owner}/{repo}": "repos/repos#get-a-repository",
  "GET /repos/{owner}/{repo}/git/ref/{ref}": "git/refs#get-a-reference",
  "GET /repos/{owner}/{repo}/git/matching-refs/{ref}": "git/refs#list-matching-references",
  "POST /repos/{owner}/{repo}/git/refs": "git/refs#create-a-reference",
  "PATCH /repos/{owner}/{repo}/git/refs/{ref}": "git/refs#update-a-reference",
  "DELETE /repos/{owner}/{repo}/git/refs/{ref}": "git/refs#delete-a-reference",
  "GET /repos/{owner}/{repo}/git/commits/{sha}": "git/commits#get-a-commit-object",
  "POST /repos/{owner}/{repo}/git/commits": "git/commits#create-a-commit",
  "GET /repos/{owner}/{repo}/git/trees/{sha}": "git/trees#get-a-tree",
  "POST /repos/{owner}/{repo}/git/trees": "git/trees#create-a-tree",
  "GET /repos/{owner}/{repo}/git/blobs/{sha}": "git/blobs#get-a-blob",
  "POST /repos/{owner}/{repo}/git/blobs": "git/blobs#create-a-blob",
  "PUT /repos/{owner}/{repo}/contents/{path}": "repos/contents#create-or-update-file-contents",
  "GET /repos/{owner}/{repo}/installation":
    "apps/apps#get-a-repository-installation-for-the-authenticated-app",
  "POST /app/installations/{id}/access_tokens":
    "apps/apps#create-an-installation-access-token-for-an-app",
  "GET /app/hook/deliveries": "apps/webhooks#list-deliveries-for-an-app-webhook",
  "GET /app/hook/deliveries/{id}": "apps/webhooks#get-a-delivery-for-an-app-webhook",
  "POST /app/hook/deliveries/{id}/attempts":
    "apps/webhooks#redeliver-a-delivery-for-an-app-webhook",
};

/** The link GitHub puts in an error of `METHOD /template`; the REST root for 401 and others. */
export function documentationUrl(method: string, template: string, status: number): string {
  const page = ROUTE_DOCS[`${method} ${template}`];
  return page && status !== 401 ? `${REST}/${page}` : REST;
}
