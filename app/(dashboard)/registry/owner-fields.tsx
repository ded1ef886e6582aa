import { SelectField } from "@/components/ui/field";

/** Whom a new credential is for: oneself, or (for team admins) one of their teams. */
export function OwnerFields({ teams }: { teams: { id: string; name: string }[] }) {
  if (teams.length === 0) return null;
  return (
    <>
      <SelectField
        label="For"
        name="scope"
        options={[
          { value: "personal", label: "Me" },
          { value: "team", label: "A team I administer" },
        ]}
      />
      <SelectField
        label="Team (when for a team)"
        name="teamId"
        options={teams.map((t) => ({ value: t.id, label: t.name }))}
      />
    </>
  );
}
