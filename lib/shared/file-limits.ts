/** File limits the gateway enforces and the browser checks first (one definition for both). */

/** Largest file one upload may write (the streaming `/api/files/.../upload` route). */
export const MAX_UPLOAD_BYTES = 100 * 1024 * 1024;
