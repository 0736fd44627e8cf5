package protocol

import (
	"fmt"
	"time"
)

// Version is the protocol version; every path starts with "/" + Version.
const Version = "v1"

// Paths of the endpoints, relative to the warehouse base URL.
const (
	PathEnrol       = "/v1/enrol"
	PathTrustList   = "/v1/trust-list"
	PathChanges     = "/v1/changes"
	PathRevocations = "/v1/consents/revocations"
	PathAccessLog   = "/v1/access-log"
	PathRedeem      = "/v1/consents/redeem"
	// PathRevocationList is the public, signed list of revoked offline
	// consents that counters cache: GET ?aud=AGENCY&since=VERSION gives
	// the revocations of consents for AGENCY after VERSION (a delta;
	// since=0 for all), one page of crypto/consent.MaxRevocationPage at
	// most.
	PathRevocationList = "/v1/consents/revoked"
)

// Limits both sides enforce.
const (
	DefaultPageSize = 100
	MaxPageSize     = 500
	// MaxResponseBytes bounds any response body the client reads, before
	// and after gzip decompression.
	MaxResponseBytes = 8 << 20
	// MaxRequestBytes bounds any request body the server reads.
	MaxRequestBytes = 1 << 20
)

// AuthScheme is the Authorization scheme of device-signed requests:
// "Authorization: Device <jwt>", where the JWT (typ RequestJWTType) is
// signed by the device key enrolled for the citizen.
const AuthScheme = "Device"

// RequestJWTType is the typ header of a device request JWT.
const RequestJWTType = "device-req+jwt"

// RequestClaims are the claims of a device request JWT. The server checks
// the signature with the enrolled device key named by kid, that Method
// and Path equal the request's, that IssuedAt is within the allowed skew
// and that ID was not seen before (replay cache).
type RequestClaims struct {
	Device   string `json:"sub"` // device id from enrolment
	Method   string `json:"htm"`
	Path     string `json:"htu"` // path and query, e.g. "/v1/changes?cursor=..."
	IssuedAt int64  `json:"iat"` // unix seconds
	ID       string `json:"jti"` // unique, 128-bit random, base64url
	// BodyHash is base64url(SHA-256(body)) for requests with a body.
	BodyHash string `json:"bh,omitempty"`
}

// EnrolRequest binds a device public key to a citizen, authorised by a
// single-use enrolment code (standing in for VNeID level-2 login).
type EnrolRequest struct {
	Code      string         `json:"code"`
	CitizenID string         `json:"citizen_id"`
	DeviceKey map[string]any `json:"device_key"` // public JWK (ES256 or EdDSA)
	Label     string         `json:"label,omitempty"`
}

// EnrolResponse answers a successful enrolment.
type EnrolResponse struct {
	DeviceID  string `json:"device_id"`
	CitizenID string `json:"citizen_id"`
	Province  string `json:"province"`
	// TrustList is the signed trust list (compact JWS), so a freshly
	// enrolled device can verify its first sync without another request.
	TrustList string `json:"trust_list"`
}

// TrustListResponse carries the province's signed trust list.
type TrustListResponse struct {
	TrustList string `json:"trust_list"` // compact JWS, typ "trustlist+jwt", signed by the province root key
}

// ChangeKind says what a change-feed entry does.
type ChangeKind string

// Change kinds.
const (
	ChangeRecord     ChangeKind = "record"     // a new record or a new version (correction)
	ChangeWithdrawal ChangeKind = "withdrawal" // a signed tombstone version
)

// Change is one entry of a citizen's change feed: one issuer-signed record
// version as an SD-JWT (with all its disclosures), bound to this device.
// The credential travels in exactly one of two forms: Compact (what the
// reference server sends) or Credential (the SD-JWT text).
type Change struct {
	Seq        int64              `json:"seq"` // position in this citizen's feed, strictly increasing
	Kind       ChangeKind         `json:"kind"`
	RecordID   string             `json:"record_id"`
	Version    int                `json:"version"`
	Credential string             `json:"credential,omitempty"`
	Compact    *CompactCredential `json:"compact,omitempty"`
}

// SDJWT returns the change's credential text, expanding the compact form.
func (c Change) SDJWT() (string, error) {
	switch {
	case c.Compact != nil && c.Credential == "":
		return c.Compact.Expand()
	case c.Compact == nil && c.Credential != "":
		return c.Credential, nil
	}
	return "", fmt.Errorf("%w: change %d carries %s", ErrCompact, c.Seq, map[bool]string{true: "both forms", false: "no credential"}[c.Compact != nil])
}

// ChangesResponse is one page of the change feed, from the request's
// cursor. NextCursor is opaque; the client stores it with the page.
type ChangesResponse struct {
	Changes    []Change `json:"changes"`
	NextCursor string   `json:"next_cursor"`
	More       bool     `json:"more"`      // another page follows
	Remaining  int      `json:"remaining"` // entries after this page
	// RemainingBytes estimates the bytes of credentials after this page,
	// for progress reporting.
	RemainingBytes int64 `json:"remaining_bytes"`
}

// Revocation withdraws one consent the citizen gave. Proof is the part
// of the token the device signed (crypto/consent.ProofOf: the
// key-binding JWT of an offline token, or the whole online reference):
// the warehouse accepts a revocation only when one of the citizen's own
// devices signed it, and keeps it until the consent expires.
type Revocation struct {
	ConsentID string    `json:"consent_id"` // the token's jti
	RevokedAt time.Time `json:"revoked_at"`
	Proof     string    `json:"proof"`
}

// RevocationsRequest uploads the citizen's revocations, at most
// MaxRevocationsPerRequest.
type RevocationsRequest struct {
	Revocations []Revocation `json:"revocations"`
}

// MaxRevocationsPerRequest bounds one RevocationsRequest.
const MaxRevocationsPerRequest = 100

// Outcomes of one revocation.
const (
	RevocationListed  = "revoked" // stored (now or before): counters will refuse the consent
	RevocationExpired = "expired" // the consent has expired: nothing to revoke
	RevocationRefused = "refused" // see Code and Message; sending it again will not help
)

// RevocationResult is the outcome of one revocation of a request.
type RevocationResult struct {
	ConsentID string `json:"consent_id"`
	Status    string `json:"status"`
	Code      string `json:"code,omitempty"`    // for refused: ErrCodeBadProof or ErrCodeBadRequest
	Message   string `json:"message,omitempty"` // for refused
}

// RevocationsResponse has one result per revocation, in order. A request
// that would pass the citizen's limits is refused whole (429,
// ErrCodeTooMany) and stores nothing.
type RevocationsResponse struct {
	Accepted int                `json:"accepted"` // revoked or expired
	Results  []RevocationResult `json:"results"`
}

// Counter names the one-stop counter that used a consent.
type Counter struct {
	Agency    string `json:"agency"`
	Unit      string `json:"unit"`
	CounterID string `json:"counter_id"`
	Name      string `json:"name"`
}

// AccessEntry records one use of a consent at a counter.
type AccessEntry struct {
	Seq       int64     `json:"seq"`
	ConsentID string    `json:"consent_id"`
	UsedAt    time.Time `json:"used_at"`
	Counter   Counter   `json:"counter"`
	Fields    []string  `json:"fields"` // field names disclosed, never values
}

// AccessLogResponse is one page of the access log.
type AccessLogResponse struct {
	Entries    []AccessEntry `json:"entries"`
	NextCursor string        `json:"next_cursor"`
	More       bool          `json:"more"`
}

// RevocationListResponse carries one signed page of the counters'
// revocation list (a crypto/consent revocation list JWS).
type RevocationListResponse struct {
	List string `json:"list"`
}

// RedeemRequest is a counter redeeming an online consent token (a
// device-signed reference, crypto/consent.Reference). The reference
// server does not authenticate counters: the token is the capability,
// as a QR handed over at the counter is (see the threat model).
type RedeemRequest struct {
	Token   string  `json:"token"`
	Counter Counter `json:"counter"`
}

// RedeemResponse carries the consented claims: each record's
// agency-signed credential with only the scoped claims disclosed and no
// key binding; the counter verifies them against its trust list and the
// token's signature against their cnf key.
type RedeemResponse struct {
	ConsentID   string   `json:"consent_id"`
	Credentials []string `json:"credentials"`
}

// Error is the body of every non-2xx response.
type Error struct {
	Code    string `json:"code"` // stable machine code, see the Err* constants
	Message string `json:"message"`
}

// Error codes.
const (
	ErrCodeBadRequest   = "bad_request"
	ErrCodeUnauthorized = "unauthorized"   // missing, bad, expired or wrong-device signature
	ErrCodeDeviceOff    = "device_revoked" // the device was disabled (a lost phone): enrol again
	ErrCodeReplay       = "replay"         // request id seen before
	ErrCodeBadCode      = "bad_enrol_code" // unknown, used or expired enrolment code
	ErrCodeBadCursor    = "bad_cursor"
	ErrCodeNotFound     = "not_found"
	ErrCodeInternal     = "internal"
	ErrCodeRevoked      = "revoked"        // the citizen revoked the consent
	ErrCodeUsed         = "used"           // a single-use consent was redeemed before
	ErrCodeAudience     = "wrong_audience" // the consent is for another recipient
	ErrCodeExpired      = "expired"        // the consent's time is over (or not begun)
	ErrCodeBusy         = "busy"           // too many requests at once (429): retry after Retry-After
	ErrCodeForbidden    = "forbidden"      // authenticated, but not allowed (admin roles, Origin, Host)
	ErrCodeMethod       = "method"         // the endpoint exists, not with this method (405, Allow names those it takes)
	ErrCodeTooMany      = "too_many"       // a citizen's revocations over their limits (429): retry after Retry-After
	ErrCodeBadProof     = "bad_proof"      // a revocation whose proof is not a consent of the citizen's devices
)
