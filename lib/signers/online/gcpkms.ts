/** `gcpkms:projects/…/cryptoKeyVersions/N` (as tuf-on-ci writes it): recognised, cannot sign yet. */
import { recognisedOnly } from './recognised.js';

export const gcpkms = recognisedOnly('gcpkms', 'a Google Cloud KMS key');
