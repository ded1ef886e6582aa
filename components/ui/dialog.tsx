"use client";
import { type ReactNode, useEffect, useId, useRef, useState } from "react";
import { Button, type ButtonVariant } from "./button";

/**
 * A modal on the native <dialog> element: focus is trapped and restored and Escape closes it,
 * without a dependency. `open` lets a page open it directly (e.g. from a deep link).
 */
export function Dialog({
  trigger,
  triggerVariant = "primary",
  title,
  children,
  open: initiallyOpen = false,
}: {
  trigger: string;
  triggerVariant?: ButtonVariant;
  title: string;
  children: ReactNode;
  open?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const [open, setOpen] = useState(initiallyOpen);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  const close = () => setOpen(false);
  return (
    <>
      <Button variant={triggerVariant} onClick={() => setOpen(true)}>
        {trigger}
      </Button>
      <dialog
        ref={ref}
        aria-labelledby={titleId}
        onClose={close}
        className="m-auto w-full max-w-lg rounded-lg p-0 shadow-xl backdrop:bg-slate-900/40"
      >
        <div className="flex items-center justify-between border-b border-slate-100 px-5 py-3">
          <h2 id={titleId} className="text-base font-semibold text-slate-900">
            {title}
          </h2>
          <Button variant="ghost" aria-label="Close" onClick={close}>
            ✕
          </Button>
        </div>
        <div className="px-5 py-4">{open && children}</div>
      </dialog>
    </>
  );
}
