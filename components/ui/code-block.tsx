import { CopyButton } from "./copy-button";

export function CodeBlock({ code, label }: { code: string; label?: string }) {
  return (
    <div className="relative rounded-md bg-slate-900 text-slate-100">
      <div className="absolute right-2 top-2">
        <CopyButton value={code} accessibleName={label ? `Copy ${label}` : "Copy"} />
      </div>
      <pre className="overflow-x-auto p-4 pr-20 text-xs leading-relaxed">
        <code>{code}</code>
      </pre>
    </div>
  );
}
