// Replacing a file so that a reader sees the old text or the new, never half of one (src/safe-file.ts).
export { writeFileAtomic } from '../safe-file.js';
