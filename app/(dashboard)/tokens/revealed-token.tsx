"use client";
import { useRouter } from "next/navigation";
import { createContext, type ReactNode, useCallback, useContext, useState } from "react";
import { ActionButton } from "@/components/ui/action-button";
import { CodeBlock } from "@/components/ui/code-block";
import type { FormState } from "@/lib/http/form-state";
import { rotateTokenAction } from "./actions";

type Revealed = { name: string; token: string } | null;
const RevealContext = createContext<(revealed: Revealed) => void>(() => {});

/**
 * Holds a rotated token above the lists, shown once, until the person dismisses it. It lives
 * outside the tables, which re-render when tokens change (the old token's row turns "revoked"),
 * so nothing the page does afterwards takes it away before it is copied.
 */
export function RevealedTokenArea({ children }: { children: ReactNode }) {
  const [revealed, setRevealed] = useState<Revealed>(null);
  return (
    <RevealContext.Provider value={setRevealed}>
      {revealed && (
        <div
          role="status"
          data-testid="revealed"
          className="mb-6 rounded-md border border-emerald-300 bg-emerald-50 p-4 text-sm text-emerald-900"
        >
          <p className="mb-2">
            “{revealed.name}” was replaced: the old token no longer works. Copy the new one now: it will not be shown
            again.
          </p>
          <CodeBlock code={revealed.token} label="token" />
          <button type="button" className="mt-2 text-xs underline" onClick={() => setRevealed(null)}>
            Done
          </button>
        </div>
      )}
      {children}
    </RevealContext.Provider>
  );
}

/** A row's Rotate button: the new token goes to the area above the lists, then the lists refresh. */
export function RotateTokenButton({ tokenId, name }: { tokenId: string; name: string }) {
  const reveal = useContext(RevealContext);
  const router = useRouter();
  // Held above the lists first; then the lists are refreshed, which removes this row's buttons.
  const onSuccess = useCallback(
    (state: FormState) => {
      if (!state.reveal) return;
      reveal({ name, token: state.reveal });
      router.refresh();
    },
    [name, reveal, router],
  );
  return (
    <ActionButton
      action={rotateTokenAction}
      fields={{ tokenId }}
      label="Rotate"
      accessibleName={`Rotate ${name}`}
      pendingText="Rotating…"
      variant="secondary"
      onSuccess={onSuccess}
    />
  );
}
