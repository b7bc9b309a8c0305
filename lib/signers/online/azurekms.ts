/** `azurekms:https://VAULT.vault.azure.net/keys/NAME/VERSION` (as tuf-on-ci writes it): recognised, cannot sign yet. */
import { recognisedOnly } from './recognised.js';

export const azurekms = recognisedOnly('azurekms', 'an Azure Key Vault key');
