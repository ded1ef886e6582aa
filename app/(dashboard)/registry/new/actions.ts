"use server";
import { redirect } from "next/navigation";
import { getDb } from "@/db";
import { getKeyring } from "@/lib/app-secrets";
import { requireAdmin } from "@/lib/auth/session";
import { AppError } from "@/lib/errors";
import { formValues, runAction } from "@/lib/http/action";
import type { FormState } from "@/lib/http/form-state";
import { catalogInputFromForm } from "@/lib/registry/catalog-form";
import { createCatalogItem } from "@/lib/registry/create-catalog-item";
import { fromServerJson } from "@/lib/registry/server-json";

// Put back after an error; the OAuth client secret is not (it must be typed again).
const KEPT = [
  "kind",
  "name",
  "slug",
  "description",
  "command",
  "args",
  "image",
  "transport",
  "httpPort",
  "httpPath",
  "env",
  "url",
  "authKind",
  "headerName",
  "oauthClientId",
  "scopes",
];

/** Adds a server from the form (admins). */
export async function addServerAction(_: FormState, form: FormData): Promise<FormState> {
  let slug = "";
  const state = await runAction(
    async () => {
      const item = await createCatalogItem(getDb(), getKeyring(), await requireAdmin(), catalogInputFromForm(form));
      slug = item.slug;
      return { ok: true };
    },
    formValues(form, KEPT),
  );
  if (!state.ok) return state;
  redirect(`/registry/${encodeURIComponent(slug)}`);
}

/** Adds a server described by a pasted server.json (admins). */
export async function importServerJsonAction(_: FormState, form: FormData): Promise<FormState> {
  let slug = "";
  const state = await runAction(
    async () => {
      let json: unknown;
      try {
        json = JSON.parse(String(form.get("serverJson") ?? ""));
      } catch {
        throw new AppError("bad_request", "That is not valid JSON.", { serverJson: "Paste a server.json document." });
      }
      const item = await createCatalogItem(getDb(), getKeyring(), await requireAdmin(), fromServerJson(json));
      slug = item.slug;
      return { ok: true };
    },
    formValues(form, ["serverJson"]),
  );
  if (!state.ok) return state;
  redirect(`/registry/${encodeURIComponent(slug)}`);
}
