/** Bridges this process's stdio to a gateway until either side closes. */
export function connect(url: string | undefined, token: string | undefined): Promise<void>;
