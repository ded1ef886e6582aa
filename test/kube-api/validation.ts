import { Pod, Secret, Service } from "kubernetes-models/v1";

/** What the real API server says when it rejects an object, field by field. */
export interface Cause {
  field: string;
  message: string;
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

const MODELS = { pods: Pod, secrets: Secret, services: Service } as const;
export type Kind = keyof typeof MODELS;

// biome-ignore lint/suspicious/noExplicitAny: objects arrive as plain JSON
type Obj = any;

/** The causes a real API server would give for rejecting this object; empty when valid. */
export function validateObject(kind: Kind, obj: Obj): Cause[] {
  const causes: Cause[] = [];
  try {
    new MODELS[kind](obj).validate();
  } catch (err) {
    causes.push({ field: "", message: (err as Error).message });
  }
  const name: unknown = obj?.metadata?.name;
  if (typeof name !== "string" || name === "")
    causes.push({ field: "metadata.name", message: "Required value: name or generateName is required" });
  else if (kind === "services") {
    if (!DNS1035_LABEL.test(name) || name.length > 63)
      causes.push({
        field: "metadata.name",
        message: `Invalid value: "${name}": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character`,
      });
  } else if (!DNS1123_SUBDOMAIN.test(name) || name.length > 253) {
    causes.push({ field: "metadata.name", message: `Invalid value: "${name}": ${SUBDOMAIN_MSG}` });
  }
  for (const [key, value] of Object.entries<string>(obj?.metadata?.labels ?? {})) {
    if (value.length > 63 || !LABEL_VALUE.test(value)) {
      causes.push({
        field: `metadata.labels`,
        message: `Invalid value: "${value}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (${key}), at most 63 characters`,
      });
    }
  }
  if (kind === "pods") {
    for (const [i, c] of (obj?.spec?.containers ?? []).entries()) {
      if (!DNS1123_LABEL.test(c.name ?? ""))
        causes.push({ field: `spec.containers[${i}].name`, message: `Invalid value: "${c.name}"` });
      if (!c.image) causes.push({ field: `spec.containers[${i}].image`, message: "Required value" });
      for (const e of c.env ?? [])
        if (!ENV_NAME.test(e.name))
          causes.push({ field: `spec.containers[${i}].env.name`, message: `Invalid value: "${e.name}"` });
    }
  }
  if (kind === "secrets") {
    for (const [k, v] of Object.entries<string>(obj?.data ?? {})) {
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v)) causes.push({ field: `data[${k}]`, message: "illegal base64 data" });
    }
  }
  return causes;
}
