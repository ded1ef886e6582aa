"use client";
import Link from "next/link";
import { useActionState } from "react";
import { SubmitButton } from "@/components/ui/button";
import { Field, SelectField, TextareaField } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import type { EditorServer } from "@/lib/gateway/editor-data";
import { initialFormState } from "@/lib/http/form-state";
import { createGatewayAction, saveAssignmentsAction } from "./actions";

export function CreateGatewayForm({
  teams,
  canCreateOrgWide,
}: {
  teams: { id: string; name: string }[];
  canCreateOrgWide: boolean;
}) {
  const [state, action] = useActionState(createGatewayAction, initialFormState);
  const options = [
    ...(canCreateOrgWide ? [{ value: "", label: "Everyone (org-wide)" }] : []),
    ...teams.map((t) => ({ value: t.id, label: `Team ${t.name}` })),
  ];
  return (
    <form action={action} className="space-y-3" key={state.ok ? state.reveal : "edit"}>
      <FormMessage state={state} />
      {state.ok && state.reveal && (
        <Link href={`/gateways/${state.reveal}`} className="text-sm font-medium text-indigo-700 underline">
          Open it to choose its tools
        </Link>
      )}
      <Field
        label="Gateway name"
        name="name"
        required
        error={state.fields?.name}
        defaultValue={state.ok ? "" : state.values?.name}
      />
      <SelectField label="Who may use it" name="teamId" options={options} defaultValue={state.values?.teamId} />
      <SubmitButton pendingText="Creating…">Create gateway</SubmitButton>
    </form>
  );
}

export function AssignmentsForm({ gateway, servers }: { gateway: string; servers: EditorServer[] }) {
  const [state, action] = useActionState(saveAssignmentsAction, initialFormState);
  return (
    <form action={action} className="space-y-4">
      <input type="hidden" name="gateway" value={gateway} />
      <FormMessage state={state} />
      {servers.map((s) => (
        <fieldset key={s.id} className="rounded-md border border-slate-200 p-4">
          <legend className="px-1 text-sm font-semibold text-slate-900">
            <label className="flex items-center gap-2">
              <input
                type="checkbox"
                name={`include.${s.id}`}
                defaultChecked={s.current !== null}
                aria-label={`Include ${s.name}`}
              />
              {s.name}
            </label>
          </legend>
          {s.tools.length === 0 ? (
            <p className="text-sm text-slate-500">
              Its tools are not known yet: they are discovered once someone installs it. You can still assign all of its
              tools.
            </p>
          ) : null}
          <label className="mt-1 flex items-center gap-2 text-sm">
            <input type="checkbox" name={`all.${s.id}`} defaultChecked={!s.current || s.current.tools === null} />
            All tools, including ones it adds later
          </label>
          {s.tools.length > 0 && (
            <div className="mt-2 grid gap-1 sm:grid-cols-2">
              {s.tools.map((t) => (
                <label key={t} className="flex items-center gap-2 text-sm">
                  <input
                    type="checkbox"
                    name={`tools.${s.id}`}
                    value={t}
                    defaultChecked={s.current?.tools?.includes(t) ?? false}
                  />
                  <code className="text-xs">{t}</code>
                </label>
              ))}
            </div>
          )}
          <div className="mt-3 grid gap-3 sm:grid-cols-2">
            <Field
              label="Tool name prefix"
              name={`prefix.${s.id}`}
              placeholder={s.slug}
              defaultValue={s.current?.prefix ?? ""}
              hint={`Tools are named ${s.current?.prefix || s.slug}__<tool>.`}
            />
            <SelectField
              label="Credential"
              name={`credential.${s.id}`}
              defaultValue={s.current?.mode === "static" ? (s.current.credentialId ?? "call_time") : "call_time"}
              options={[
                { value: "call_time", label: "Resolve at call time (each caller's own)" },
                ...s.credentials.map((c) => ({ value: c.id, label: `Always ${c.label} credential` })),
              ]}
            />
          </div>
          <label className="mt-2 flex items-center gap-2 text-sm">
            <input type="checkbox" name={`noprefix.${s.id}`} defaultChecked={s.current?.prefix === ""} />
            No prefix (tools keep their own names)
          </label>
          {/* Keyed by what is saved: after a save the choices show it, not what the form held before. */}
          <div
            className="mt-3 grid gap-3 sm:grid-cols-2"
            key={JSON.stringify([s.current?.prompts, s.current?.resources, s.current === null])}
          >
            <ExposureChoice server={s} field="prompts" />
            <ExposureChoice server={s} field="resources" />
          </div>
        </fieldset>
      ))}
      <SubmitButton pendingText="Saving…">Save tools</SubmitButton>
    </form>
  );
}

const EXPOSURE = {
  prompts: {
    label: "Prompts",
    some: "Only these prompts",
    hint: "Prompt names as the server gives them, one per line.",
  },
  resources: {
    label: "Resources",
    some: "Only these resources",
    hint: "Resource URIs or URI templates as the server gives them, one per line; a template also lets its URIs be read.",
  },
};

/**
 * Which of a server's prompts or resources the gateway exposes. A new assignment follows its
 * tools: all of them with all tools, none with chosen tools.
 */
function ExposureChoice({ server, field }: { server: EditorServer; field: "prompts" | "resources" }) {
  const current = server.current?.[field];
  const choice = !server.current ? "auto" : current === null ? "all" : current?.length ? "some" : "none";
  const text = EXPOSURE[field];
  return (
    <div className="space-y-2">
      <SelectField
        label={text.label}
        name={`${field}.${server.id}`}
        id={`${field}-${server.id}`}
        aria-label={`${text.label} of ${server.name}`}
        defaultValue={choice}
        options={[
          ...(server.current
            ? []
            : [{ value: "auto", label: "As the tools: all with all tools, none with chosen ones" }]),
          { value: "all", label: `All ${field}, including ones it adds later` },
          { value: "none", label: `No ${field}` },
          { value: "some", label: text.some },
        ]}
      />
      <TextareaField
        label={`${text.some} (when chosen above)`}
        name={`${field}List.${server.id}`}
        id={`${field}List-${server.id}`}
        rows={2}
        defaultValue={choice === "some" ? (current ?? []).join("\n") : ""}
        hint={text.hint}
      />
    </div>
  );
}
