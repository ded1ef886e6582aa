/** The navigation, in order. Later capabilities add their page here. */
export interface NavItem {
  href: string;
  label: string;
  adminOnly?: boolean;
}

export const NAV_ITEMS: NavItem[] = [
  { href: "/", label: "Overview" },
  { href: "/registry", label: "Registry" },
  { href: "/credentials", label: "Credentials" },
  { href: "/gateways", label: "Gateways" },
  { href: "/servers", label: "Servers" },
  { href: "/teams", label: "Teams" },
  { href: "/tokens", label: "Tokens" },
  { href: "/users", label: "Users", adminOnly: true },
  { href: "/audit", label: "Audit", adminOnly: true },
];
