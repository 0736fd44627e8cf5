package consent

import "fmt"

// Sentinels of the credential lifecycle (see crypto/trust, "Key validity
// and leaked keys", and sync/credential, "Expiry"), next to the others of
// Verifier.Verify; both wrap ErrRejected.
var (
	// ErrKeyCompromised: a record was signed with an agency key the trust
	// list marks compromised; nothing that key signed is accepted,
	// whatever the credential's iat says.
	ErrKeyCompromised = fmt.Errorf("%w: a record was signed with a compromised agency key", ErrRejected)
	// ErrCredentialExpired: a record's credential is past its technical
	// expiry (exp). The record itself may be fine: the citizen's wallet
	// must sync to have it re-issued ("hồ sơ cần đồng bộ lại").
	ErrCredentialExpired = fmt.Errorf("%w: a record's credential has expired; the wallet must sync", ErrRejected)
)
