"use client";
import { useActionState, useState } from "react";
import { SubmitButton } from "@/components/ui/button";
import { Field, SelectField, TextareaField } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { initialFormState } from "@/lib/http/form-state";
import { addServerAction, importServerJsonAction } from "./actions";

/** Adding a server by hand: what the fields are depends on whether it runs here or is reached by URL. */
export function AddServerForm() {
  const [state, action] = useActionState(addServerAction, initialFormState);
  const [kind, setKind] = useState("local");
  const [authKind, setAuthKind] = useState("none");
  const error = (name: string) => state.fields?.[name];
  const v = (name: string) => state.values?.[name];
  return (
    <form action={action} className="space-y-3">
      <FormMessage state={state} />
      <SelectField
        label="Kind"
        name="kind"
        value={kind}
        onChange={(e) => setKind(e.target.value)}
        options={[
          { value: "local", label: "Local: runs here, one instance per credential" },
          { value: "remote", label: "Remote: reached by URL" },
        ]}
      />
      <Field label="Name" name="name" defaultValue={v("name")} required error={error("name")} />
      <Field
        label="Slug"
        name="slug"
        defaultValue={v("slug")}
        hint="In URLs and tool names; made from the name when left empty."
        error={error("slug")}
      />
      <Field label="Description" name="description" defaultValue={v("description")} error={error("description")} />
      {kind === "local" ? (
        <>
          <Field
            label="Command"
            name="command"
            defaultValue={v("command")}
            placeholder="npx"
            error={error("command")}
          />
          <TextareaField
            label="Arguments (one per line)"
            name="args"
            defaultValue={v("args")}
            placeholder={"-y\n@modelcontextprotocol/server-memory"}
          />
          <Field
            label="Container image (instead of a command, or to run it in)"
            name="image"
            defaultValue={v("image")}
            error={error("image")}
          />
          <SelectField
            label="Transport"
            name="transport"
            options={[
              { value: "stdio", label: "stdio" },
              { value: "http", label: "streamable HTTP" },
            ]}
          />
          <Field
            label="HTTP port (streamable HTTP)"
            name="httpPort"
            defaultValue={v("httpPort")}
            type="number"
            error={error("httpPort")}
          />
          <Field
            label="HTTP path (streamable HTTP)"
            name="httpPath"
            defaultValue={v("httpPath")}
            placeholder="/mcp"
            error={error("httpPath")}
          />
          <TextareaField
            label="Environment variables"
            name="env"
            defaultValue={v("env")}
            placeholder={"GITHUB_TOKEN secret required # A personal access token\nLOG_LEVEL =info hidden"}
            hint="One per line: NAME [secret] [required] [hidden] [=default] [# description]. Asked at install unless hidden."
            error={error("env")}
          />
        </>
      ) : (
        <>
          <Field
            label="URL"
            name="url"
            defaultValue={v("url")}
            type="url"
            placeholder="https://example.com/mcp"
            required
            error={error("url")}
          />
          <SelectField
            label="Authentication"
            name="authKind"
            value={authKind}
            onChange={(e) => setAuthKind(e.target.value)}
            options={[
              { value: "none", label: "None" },
              { value: "header", label: "A header (API key), entered by each person" },
              { value: "oauth", label: "OAuth 2.1: each person signs in" },
            ]}
          />
          {authKind === "header" && (
            <Field label="Header name" name="headerName" defaultValue={v("headerName")} placeholder="Authorization" />
          )}
          {authKind === "oauth" && (
            <>
              <Field
                label="OAuth client id"
                name="oauthClientId"
                defaultValue={v("oauthClientId")}
                hint="Leave empty to register this app automatically, where the server allows it."
              />
              <Field label="OAuth client secret" name="oauthClientSecret" type="password" autoComplete="off" />
              <Field
                label="Scopes"
                name="scopes"
                defaultValue={v("scopes")}
                hint="Separated by spaces; the server's own list when empty."
              />
            </>
          )}
        </>
      )}
      <SubmitButton pendingText="Adding…">Add server</SubmitButton>
    </form>
  );
}

export function ImportServerJsonForm() {
  const [state, action] = useActionState(importServerJsonAction, initialFormState);
  const v = (name: string) => state.values?.[name];
  return (
    <form action={action} className="space-y-3">
      <FormMessage state={state} />
      <TextareaField
        label="server.json"
        name="serverJson"
        defaultValue={v("serverJson")}
        rows={10}
        required
        hint="A server description in the official MCP Registry format: an npm, PyPI or OCI package, or a streamable HTTP remote."
        error={state.fields?.serverJson}
      />
      <SubmitButton pendingText="Importing…">Import</SubmitButton>
    </form>
  );
}
