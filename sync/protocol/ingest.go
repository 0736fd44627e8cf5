package protocol

import "encoding/json"

// The agency ingestion API: how an agency's system (through the LGSP)
// issues, corrects and withdraws the records it is responsible for.
//
// Every request carries "Authorization: Agency <jwt>": a JWT of type
// AgencyRequestJWTType with the claims of RequestClaims (sub is the
// agency's issuer id), signed by the client key the province registered
// for that agency. The warehouse checks the signature, method, path, body
// hash, time and request id (a replay is refused) before it reads the
// operations. An agency may write only records whose issuer is itself.
const (
	// PathIngest takes a batch of record operations.
	PathIngest = "/lgsp/v1/records"
	// AgencyAuthScheme is the Authorization scheme of agency requests.
	AgencyAuthScheme = "Agency"
	// AgencyRequestJWTType is the typ header of an agency request JWT.
	AgencyRequestJWTType = "agency-req+jwt"
	// MaxIngestOperations bounds one batch.
	MaxIngestOperations = 1000
	// MaxIngestBytes bounds one batch's body.
	MaxIngestBytes = 8 << 20
)

// Operation kinds.
const (
	OpIssue    = "issue"    // a new record (version 1)
	OpCorrect  = "correct"  // a new version of an existing record
	OpWithdraw = "withdraw" // a withdrawal: a new version, status withdrawn, the last claims kept
)

// IngestRequest is one batch. IdempotencyKey (1 to 200 characters, unique
// per agency) makes the batch safe to send again: the same key with the
// same body answers the first result without writing anything; the same
// key with another body is refused. Each operation is idempotent on its
// own too, by (citizen, record id, version).
type IngestRequest struct {
	IdempotencyKey string      `json:"idempotency_key,omitempty"`
	Operations     []Operation `json:"operations"`
}

// Operation is one record operation. Issue and correct carry the record
// (its issuer must be the agency; version 0 means the next one, but an
// explicit version makes a retried operation a recognised duplicate);
// withdraw names the record and, optionally, the withdrawal's version.
type Operation struct {
	Op        string          `json:"op"`
	CitizenID string          `json:"citizen_id"`
	Record    json.RawMessage `json:"record,omitempty"`    // a wallet.Record without credential or received_at
	RecordID  string          `json:"record_id,omitempty"` // withdraw
	Version   int             `json:"version,omitempty"`   // withdraw: the withdrawal's version (0: the next)
}

// IngestResponse has one result per operation, in order.
type IngestResponse struct {
	Results []IngestResult `json:"results"`
	// Replayed: the batch was sent before with this idempotency key;
	// these are the first answer's results and nothing was written now.
	Replayed bool `json:"replayed,omitempty"`
	Stored   int  `json:"stored"`
}

// IngestResult is the outcome of one operation.
type IngestResult struct {
	Index    int    `json:"index"`
	Status   string `json:"status"` // IngestStored, IngestDuplicate or IngestRefused
	RecordID string `json:"record_id,omitempty"`
	Version  int    `json:"version,omitempty"`
	Seq      int64  `json:"seq,omitempty"` // the entry's position in the citizen's feed
	Error    *Error `json:"error,omitempty"`
}

// Ingest result statuses.
const (
	IngestStored    = "stored"
	IngestDuplicate = "duplicate" // stored before by an identical operation; nothing written
	IngestRefused   = "refused"   // Error says why; nothing written
)

// Per-operation error codes (IngestResult.Error.Code), besides
// ErrCodeBadRequest.
const (
	ErrCodeUnknownCitizen = "unknown_citizen"
	ErrCodeUnknownType    = "unknown_type"   // not in the record-type registry
	ErrCodeInvalidRecord  = "invalid_record" // breaks the record type's rules
	ErrCodeTooLarge       = "too_large"      // its credential would exceed the size a wallet accepts
	ErrCodeWrongIssuer    = "wrong_issuer"   // the record's issuer is not the agency that sent it
	ErrCodeStaleVersion   = "stale_version"  // not newer than the stored version
	ErrCodeRecordExists   = "record_exists"  // issue of a record id the citizen has: use correct
	ErrCodeNoRecord       = "no_record"      // correct or withdraw of a record the citizen does not have
	ErrCodeWithdrawn      = "withdrawn"      // the record was withdrawn: nothing follows a withdrawal
	ErrCodeConflict       = "conflict"       // the version (or idempotency key) was used with other content
	ErrCodeTypeChanged    = "type_changed"   // a correction must keep the record's type
)
