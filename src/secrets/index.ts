// Bearer secrets shared by the site and the State Migration Point: one way to make them, store
// them (SHA-256) and compare them (constant time).
export { hashSecret, randomSecret, sameSecret, secretMatches } from './secret-hash.ts';
