"use client";
import { useState } from "react";
import { buttonClass } from "./button-class";

export function CopyButton({
  value,
  label = "Copy",
  accessibleName,
}: {
  value: string;
  label?: string;
  accessibleName?: string;
}) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      aria-label={accessibleName}
      className={buttonClass("secondary", "px-2 py-1 text-xs")}
      onClick={async () => {
        await navigator.clipboard?.writeText(value).catch(() => {});
        setCopied(true);
        setTimeout(() => setCopied(false), 2000);
      }}
    >
      <span aria-live="polite">{copied ? "Copied" : label}</span>
    </button>
  );
}
