import { apiNotFound } from "@/lib/http/api";

// ANY /api/v1/<unknown> - a JSON 404 in the API's error shape, not Next.js's HTML page
export const GET = apiNotFound;
export const HEAD = apiNotFound;
export const POST = apiNotFound;
export const PUT = apiNotFound;
export const PATCH = apiNotFound;
export const DELETE = apiNotFound;
export const OPTIONS = apiNotFound;
