package consent

import (
	"fmt"
	"time"
)

// Sentinels of a Verifier's Status hook (each wraps ErrRejected). The
// hook returns them; Verify passes them on, wrapped with the record's
// position, and does not burn the token's id.
var (
	// ErrWithdrawn: the issuing agency has withdrawn the credential (its
	// entry in the agency's status list is INVALID): a cancelled card, a
	// revoked licence, a record replaced by a newer version.
	ErrWithdrawn = fmt.Errorf("%w: the issuing agency has withdrawn a record", ErrRejected)
	// ErrSuspended: the issuing agency has suspended the credential
	// (SUSPENDED in its status list).
	ErrSuspended = fmt.Errorf("%w: the issuing agency has suspended a record", ErrRejected)
	// ErrStatus: a credential's status reference cannot be trusted: it
	// names a list that is not its issuer's, an index outside the list,
	// or a status value with no meaning here.
	ErrStatus = fmt.Errorf("%w: a record's status reference is not valid", ErrRejected)
)

// CredentialStatus is what a Verifier's Status hook found for one
// presented credential, in Result.Statuses (one per credential, in the
// order presented).
type CredentialStatus struct {
	Issuer string
	// Record is the record's place in the token (Field.Record) and
	// RecordID its id when shared; both set by Verify.
	Record   int
	RecordID string
	// URI and Index are the credential's status.status_list; empty when
	// it has none.
	URI   string
	Index int
	// Checked: the status was read from a verified list and is VALID.
	// False: it could not be checked (Reason says why: the list was never
	// fetched, or has expired; the credential has no status), and the
	// credential was accepted on its signature alone.
	Checked bool
	// Age is how old the list used was (the check's time minus the list's
	// iat): withdrawals made since then are not known.
	Age    time.Duration
	Reason string
}

// StatusFunc checks the status of one presented credential, given its
// issuer and its Processed SD-JWT Payload (sdjwt.Credential.Payload,
// where the "status" claim is). A non-nil error refuses the token; use
// ErrWithdrawn, ErrSuspended or ErrStatus so callers can tell why.
type StatusFunc func(issuer string, payload map[string]any) (CredentialStatus, error)
