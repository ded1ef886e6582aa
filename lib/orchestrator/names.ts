import { createHash } from "node:crypto";

/** Labels every resource the orchestrator creates carries; list calls select on them. */
export const LABELS = {
  app: "app.kubernetes.io/name",
  managedBy: "app.kubernetes.io/managed-by",
  instance: "mcp-orchestrator.io/instance-id",
  server: "mcp-orchestrator.io/server-id",
  credential: "mcp-orchestrator.io/credential-id",
} as const;

export const APP_LABEL_VALUE = "mcp-server";
export const MANAGED_BY = "mcp-orchestrator";

const MAX_NAME = 63;
const HASH_LENGTH = 10;

/**
 * A valid DNS-1123 label (<= 63 characters, lower-case alphanumerics and '-', starting with
 * a letter, ending with an alphanumeric) for one (server, credential) instance, whatever the
 * server's name: `mcp-<slug>-<hash>`. The hash of both ids keeps names unique even when two
 * names slug the same or are cut short.
 */
export function instanceName(serverSlug: string, credentialId: string): string {
  const hash = createHash("sha256").update(`${serverSlug}\0${credentialId}`).digest("hex").slice(0, HASH_LENGTH);
  const room = MAX_NAME - "mcp-".length - 1 - HASH_LENGTH;
  const slug = serverSlug
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+/, "")
    .slice(0, room)
    .replace(/-+$/, "");
  return slug ? `mcp-${slug}-${hash}` : `mcp-${hash}`;
}

export function instanceLabels(ids: { instanceId: string; serverId: string; credentialId: string }) {
  return {
    [LABELS.app]: APP_LABEL_VALUE,
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.instance]: ids.instanceId,
    [LABELS.server]: ids.serverId,
    [LABELS.credential]: ids.credentialId,
  };
}

/** The label selector that finds everything this orchestrator manages. */
export const MANAGED_SELECTOR = `${LABELS.managedBy}=${MANAGED_BY}`;

/** Environment variable names a container accepts (the API server rejects others). */
export const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
