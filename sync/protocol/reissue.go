package protocol

// PathReissue is the device-signed request for fresh credentials of
// record versions the wallet holds: those whose technical expiry (exp)
// is near or past, and those signed by a key the trust list marks
// compromised (see sync/credential, "Expiry", and crypto/trust, "Key
// validity and leaked keys"). POST, body ReissueRequest, answer
// ReissueResponse.
const PathReissue = "/v1/credentials/reissue"

// HeaderTrustVersion is the response header of the change feed that
// names the warehouse's current trust-list version (decimal). A wallet
// whose cached list is older fetches the new one before it verifies the
// page: that is how it learns, at its next sync, of a rotated or
// compromised key.
const HeaderTrustVersion = "Trust-List-Version"

// MaxReissuePerRequest bounds one ReissueRequest: the answer (≈ 1–3 KB
// a credential) stays far under MaxResponseBytes.
const MaxReissuePerRequest = 200

// ReissueRef names one record version the wallet holds.
type ReissueRef struct {
	RecordID string `json:"record_id"`
	Version  int    `json:"version"`
}

// ReissueRequest asks for fresh credentials of 1 to
// MaxReissuePerRequest distinct record versions.
type ReissueRequest struct {
	Records []ReissueRef `json:"records"`
}

// Outcomes of one ReissueRef.
const (
	// ReissueIssued: Credential (or Compact) is the device's credential
	// of that version now: freshly signed when the one held was due, or
	// the one the warehouse already holds when it is not.
	ReissueIssued = "issued"
	// ReissueSuperseded: a newer version of the record exists; the
	// wallet gets it from the change feed, not by re-issue.
	ReissueSuperseded = "superseded"
	// ReissueNotFound: the citizen has no such record version.
	ReissueNotFound = "not_found"
)

// Reissued is the answer for one ReissueRef, in the request's order. For
// ReissueIssued the credential travels in exactly one of the two forms
// of Change.
type Reissued struct {
	RecordID   string             `json:"record_id"`
	Version    int                `json:"version"`
	Status     string             `json:"status"`
	Credential string             `json:"credential,omitempty"`
	Compact    *CompactCredential `json:"compact,omitempty"`
}

// SDJWT returns the credential text, expanding the compact form.
func (r Reissued) SDJWT() (string, error) {
	return Change{RecordID: r.RecordID, Version: r.Version, Credential: r.Credential, Compact: r.Compact}.SDJWT()
}

// ReissueResponse answers a ReissueRequest: one Reissued per ref.
type ReissueResponse struct {
	Results []Reissued `json:"results"`
}
