import { describe, expect, it } from "vitest";
import { listTeamMembers, listTeams } from "@/db/queries/teams";
import { AppError } from "@/lib/errors";
import { backends, unique, useMigratedDatabase } from "@/test/support/database";
import { makeUser } from "@/test/support/fixtures";
import { createTeam } from "./create-team";
import { acceptInvitation, listMyInvitations } from "./invitations";
import { addTeamMember, removeTeamMember } from "./members";
import { renameTeam } from "./rename-team";
import { getTeamOrThrow } from "./team-access";

const code = (p: Promise<unknown>) =>
  p.then(
    () => "ok",
    (e) => (e instanceof AppError ? e.code : `unexpected: ${e}`),
  );

describe.each(backends)("teams on $name", (backend) => {
  const t = useMigratedDatabase(backend);

  it("an admin creates a team with a unique slug; a second team of the same name is refused", async () => {
    const admin = await makeUser(t.db, "admin");
    const name = unique("Platform Team");
    const team = await createTeam(t.db, admin, { name });
    expect(team.slug).toBe(name.toLowerCase().replace(/ /g, "-"));
    expect(await code(createTeam(t.db, admin, { name: name.toUpperCase() }))).toBe("conflict");
  });

  it("slugs stay unique when different names slug the same", async () => {
    const admin = await makeUser(t.db, "admin");
    const base = unique("ops");
    const a = await createTeam(t.db, admin, { name: `${base}!` });
    const b = await createTeam(t.db, admin, { name: `${base}?` });
    expect(a.slug).toBe(base);
    expect(b.slug).toBe(`${base}-2`);
  });

  it("refuses bad names with a field error and members who try to create teams", async () => {
    const admin = await makeUser(t.db, "admin");
    const member = await makeUser(t.db, "member");
    const err = await createTeam(t.db, admin, { name: "   " }).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.fields?.name).toMatch(/team name/i);
    expect(await code(createTeam(t.db, member, { name: unique("nope") }))).toBe("forbidden");
  });

  it("team admins manage their team; plain members and outsiders cannot", async () => {
    const admin = await makeUser(t.db, "admin");
    const lead = await makeUser(t.db, "member", "lead");
    const dev = await makeUser(t.db, "member", "dev");
    const outsider = await makeUser(t.db, "member", "outsider");
    const team = await createTeam(t.db, admin, { name: unique("Payments") });

    await addTeamMember(t.db, admin, team.id, { email: lead.email, role: "admin" });
    // A team admin invites; the person is in the team once they accept.
    expect((await addTeamMember(t.db, lead, team.id, { email: dev.email.toUpperCase() })).kind).toBe("invited");
    expect((await listTeamMembers(t.db, team.id)).map((m) => m.email)).toEqual([lead.email]);
    await acceptInvitation(t.db, dev, (await listMyInvitations(t.db, dev))[0]?.id ?? "");
    const members = await listTeamMembers(t.db, team.id);
    expect(members.map((m) => [m.email, m.role]).sort()).toEqual(
      [
        [lead.email, "admin"],
        [dev.email, "member"],
      ].sort(),
    );

    expect(await code(addTeamMember(t.db, dev, team.id, { email: outsider.email }))).toBe("forbidden");
    expect(await code(renameTeam(t.db, dev, team.id, { name: "x" }))).toBe("forbidden");
    // Outsiders are told the team does not exist, so names do not leak.
    expect(await code(getTeamOrThrow(t.db, outsider, team.id))).toBe("not_found");
    expect(await code(getTeamOrThrow(t.db, outsider, team.slug))).toBe("not_found");

    const renamed = await renameTeam(t.db, lead, team.id, { name: `${team.name} (renamed)` });
    expect(renamed.slug).toBe(team.slug);
    await removeTeamMember(t.db, lead, team.id, dev.id);
    expect((await listTeamMembers(t.db, team.id)).map((m) => m.email)).toEqual([lead.email]);
    expect(await code(removeTeamMember(t.db, lead, team.id, dev.id))).toBe("not_found");
    expect(await code(removeTeamMember(t.db, lead, team.id, "not-a-uuid"))).toBe("not_found");
  });

  it("adding an unknown email says to create the user first; adding twice changes the role", async () => {
    const admin = await makeUser(t.db, "admin");
    const dev = await makeUser(t.db, "member", "dev");
    const team = await createTeam(t.db, admin, { name: unique("Data") });
    const err = await addTeamMember(t.db, admin, team.id, { email: "nobody@example.com" }).catch((e) => e);
    expect(err.code).toBe("not_found");
    expect(err.fields?.email).toBeDefined();
    await addTeamMember(t.db, admin, team.id, { email: dev.email, role: "member" });
    await addTeamMember(t.db, admin, team.id, { email: dev.email, role: "admin" });
    expect((await listTeamMembers(t.db, team.id)).map((m) => m.role)).toEqual(["admin"]);
  });

  it("people see their own teams; admins see all", async () => {
    const admin = await makeUser(t.db, "admin");
    const dev = await makeUser(t.db, "member", "dev");
    const mine = await createTeam(t.db, admin, { name: unique("Mine") });
    const other = await createTeam(t.db, admin, { name: unique("Other") });
    await addTeamMember(t.db, admin, mine.id, { email: dev.email });
    const visible = (await listTeams(t.db, dev.id, { all: false })).map((x) => x.id);
    expect(visible).toEqual([mine.id]);
    const all = (await listTeams(t.db, admin.id, { all: true })).map((x) => x.id);
    expect(all).toEqual(expect.arrayContaining([mine.id, other.id]));
    const summary = (await listTeams(t.db, dev.id, { all: false }))[0];
    expect(summary?.member_count).toBe(1);
    expect(summary?.my_role).toBe("member");
  });
});
