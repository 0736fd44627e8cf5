package wallet

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Consent lifetimes (Decree 356/2025 asks for consent limited in scope
// and time; the counter visit is the common case).
const (
	DefaultConsentLifetime = 15 * time.Minute
	MaxConsentLifetime     = 30 * 24 * time.Hour
)

// Recipient is who a consent lets see the data.
type Recipient struct {
	Agency    string `json:"agency"` // agency id: the token's audience
	Unit      string `json:"unit,omitempty"`
	CounterID string `json:"counter_id,omitempty"`
	Name      string `json:"name,omitempty"` // as shown to the citizen
}

// ConsentField is one field a consent discloses: which claim of which
// record, never its value.
type ConsentField struct {
	FieldRef
	Sensitive bool `json:"sensitive"` // sensitive personal data (health, criminal record ...)
}

// Consent is what the citizen agreed to share, with whom, why, until
// when and how they agreed: what Law 91/2025/QH15 needs the controller
// to be able to prove. It holds field names, never field values.
type Consent struct {
	ID         string         `json:"id"` // the token's jti
	GivenAt    time.Time      `json:"given_at"`
	Method     string         `json:"method"` // how consent was given, e.g. "app: reviewed the preview and confirmed"
	Procedure  string         `json:"procedure,omitempty"`
	Purpose    Purpose        `json:"purpose"`
	LegalBasis Label          `json:"legal_basis"`
	Recipient  Recipient      `json:"recipient"`
	Retention  Label          `json:"retention"`
	Fields     []ConsentField `json:"fields"`
	Nonce      string         `json:"nonce,omitempty"`
	Expires    time.Time      `json:"expires"`
	SingleUse  bool           `json:"single_use"`
	// Holder is the kid of the device key that signed the token, and
	// Proof what it signed (crypto/consent.ProofOf): a revocation carries
	// it, so the warehouse can tell the consent is this citizen's. It
	// names fields, never values (the key-binding JWT holds a hash of
	// the presentation; an online reference, claim names).
	Holder string `json:"holder,omitempty"`
	Proof  string `json:"proof,omitempty"`
}

// Validate checks a consent before it is given: an id, an explicit method,
// a purpose, a recipient, at least one field, and a lifetime of at most
// MaxConsentLifetime. The error wraps ErrInvalid.
func (c Consent) Validate() error {
	switch {
	case c.ID == "" || len(c.ID) > 200:
		return fmt.Errorf("%w: consent needs an id", ErrInvalid)
	case c.Method == "":
		return fmt.Errorf("%w: consent needs the way it was given", ErrInvalid)
	case c.Purpose.Code == "" || c.Purpose.Text.VI == "":
		return fmt.Errorf("%w: consent needs a purpose", ErrInvalid)
	case c.Recipient.Agency == "":
		return fmt.Errorf("%w: consent needs a recipient", ErrInvalid)
	case len(c.Fields) == 0:
		return fmt.Errorf("%w: consent shares no field", ErrInvalid)
	case c.GivenAt.IsZero() || !c.Expires.After(c.GivenAt) || c.Expires.Sub(c.GivenAt) > MaxConsentLifetime:
		return fmt.Errorf("%w: consent lifetime must be more than 0 and at most %s", ErrInvalid, MaxConsentLifetime)
	}
	return nil
}

// ConsentState is where a consent stands.
type ConsentState string

// Consent states.
const (
	ConsentActive  ConsentState = "active"
	ConsentUsed    ConsentState = "used" // single-use and used once
	ConsentExpired ConsentState = "expired"
	ConsentRevoked ConsentState = "revoked"
)

// ConsentUse is one known use of a consent at a counter (from the
// warehouse's access log or the counter's own report).
type ConsentUse struct {
	At      time.Time `json:"at"`
	Counter Recipient `json:"counter"`
	Fields  []string  `json:"fields"` // field names, never values
	// Ref names the report of the use (e.g. "warehouse:17", the access
	// log entry); a use with a Ref already recorded is not recorded again.
	Ref string `json:"ref,omitempty"`
}

// Event kinds of the consent history.
const (
	EventGiven   = "given"
	EventUsed    = "used"
	EventRevoked = "revoked"
)

// ConsentEvent is one entry of the append-only consent history. MAC
// chains it to the previous entry: HMAC-SHA-256 under the profile's
// history key over the previous MAC and this entry without its MAC.
type ConsentEvent struct {
	Seq       int64       `json:"seq"`
	At        time.Time   `json:"at"`
	Kind      string      `json:"kind"`
	ConsentID string      `json:"consent_id"`
	Consent   *Consent    `json:"consent,omitempty"` // for "given"
	Use       *ConsentUse `json:"use,omitempty"`     // for "used"
	MAC       string      `json:"mac"`
}

// Meta keys of the consent history.
const (
	metaHistoryKey  = "consent/hmac-key"
	metaHistoryHead = "consent/head"
	metaHistoryLog  = "consent/log/"
)

// ConsentHistory is a profile's consent history, kept in its Store.
type ConsentHistory struct {
	st  Store
	key []byte
}

// OpenConsentHistory opens the history of the profile in st, creating
// its key on first use.
func OpenConsentHistory(ctx context.Context, st Store) (*ConsentHistory, error) {
	key, err := st.Meta(ctx, metaHistoryKey)
	if errors.Is(err, ErrNotFound) {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		if err := st.Apply(ctx, Batch{Meta: map[string][]byte{metaHistoryKey: key}}); err != nil {
			return nil, fmt.Errorf("consent history: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("consent history: %w", err)
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("%w: consent history key", ErrIntegrity)
	}
	return &ConsentHistory{st: st, key: key}, nil
}

type historyHead struct {
	Seq int64  `json:"seq"`
	MAC string `json:"mac"`
}

func (h *ConsentHistory) head(ctx context.Context) (historyHead, error) {
	var hd historyHead
	b, err := h.st.Meta(ctx, metaHistoryHead)
	if errors.Is(err, ErrNotFound) {
		return hd, nil
	}
	if err != nil {
		return hd, err
	}
	if err := json.Unmarshal(b, &hd); err != nil {
		return hd, fmt.Errorf("%w: consent history head: %v", ErrIntegrity, err)
	}
	return hd, nil
}

func (h *ConsentHistory) mac(prev string, e ConsentEvent) string {
	e.MAC = ""
	body, _ := json.Marshal(e)
	m := hmac.New(sha256.New, h.key)
	m.Write([]byte(prev))
	m.Write([]byte{0})
	m.Write(body)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func logKey(seq int64) string { return fmt.Sprintf("%s%016x", metaHistoryLog, seq) }

// append writes one event and the new head in one transaction.
func (h *ConsentHistory) append(ctx context.Context, e ConsentEvent) (ConsentEvent, error) {
	hd, err := h.head(ctx)
	if err != nil {
		return e, err
	}
	e.Seq = hd.Seq + 1
	e.At = e.At.UTC().Truncate(time.Second)
	e.MAC = h.mac(hd.MAC, e)
	body, err := json.Marshal(e)
	if err != nil {
		return e, err
	}
	head, _ := json.Marshal(historyHead{Seq: e.Seq, MAC: e.MAC})
	if err := h.st.Apply(ctx, Batch{Meta: map[string][]byte{logKey(e.Seq): body, metaHistoryHead: head}}); err != nil {
		return e, fmt.Errorf("consent history: %w", err)
	}
	return e, nil
}

// Give records a consent the citizen confirmed.
func (h *ConsentHistory) Give(ctx context.Context, c Consent) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if _, err := h.find(ctx, c.ID); err == nil {
		return fmt.Errorf("%w: consent %s exists", ErrExists, c.ID)
	}
	_, err := h.append(ctx, ConsentEvent{At: c.GivenAt, Kind: EventGiven, ConsentID: c.ID, Consent: &c})
	return err
}

// Revoke records that the citizen withdrew a consent.
func (h *ConsentHistory) Revoke(ctx context.Context, id string, at time.Time) error {
	st, err := h.find(ctx, id)
	if err != nil {
		return err
	}
	if st.State == ConsentRevoked {
		return nil
	}
	_, err = h.append(ctx, ConsentEvent{At: at, Kind: EventRevoked, ConsentID: id})
	return err
}

// RecordUse records a known use of a consent and reports whether it was
// new: one whose Ref is already recorded for that consent is not
// recorded again.
func (h *ConsentHistory) RecordUse(ctx context.Context, id string, u ConsentUse) (bool, error) {
	st, err := h.find(ctx, id)
	if err != nil {
		return false, err
	}
	for _, prev := range st.Uses {
		if u.Ref != "" && prev.Ref == u.Ref {
			return false, nil
		}
	}
	if _, err = h.append(ctx, ConsentEvent{At: u.At, Kind: EventUsed, ConsentID: id, Use: &u}); err != nil {
		return false, err
	}
	return true, nil
}

// ConsentStatus is a consent with what happened to it, as of a time.
type ConsentStatus struct {
	Consent   Consent
	State     ConsentState
	Uses      []ConsentUse
	RevokedAt time.Time
}

// Events returns the whole history in order after checking the chain:
// an entry edited, removed, reordered or added outside this API gives
// ErrIntegrity.
func (h *ConsentHistory) Events(ctx context.Context) ([]ConsentEvent, error) {
	hd, err := h.head(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ConsentEvent, 0, hd.Seq)
	prev := ""
	for seq := int64(1); seq <= hd.Seq; seq++ {
		b, err := h.st.Meta(ctx, logKey(seq))
		if errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("%w: consent history entry %d is missing", ErrIntegrity, seq)
		}
		if err != nil {
			return nil, err
		}
		var e ConsentEvent
		if err := json.Unmarshal(b, &e); err != nil {
			return nil, fmt.Errorf("%w: consent history entry %d: %v", ErrIntegrity, seq, err)
		}
		if e.Seq != seq || !hmac.Equal([]byte(h.mac(prev, e)), []byte(e.MAC)) {
			return nil, fmt.Errorf("%w: consent history entry %d does not match its chain", ErrIntegrity, seq)
		}
		prev = e.MAC
		out = append(out, e)
	}
	if prev != hd.MAC {
		return nil, fmt.Errorf("%w: consent history head does not match its last entry", ErrIntegrity)
	}
	if b, err := h.st.Meta(ctx, logKey(hd.Seq+1)); err == nil && len(b) > 0 {
		return nil, fmt.Errorf("%w: consent history has an entry after its head", ErrIntegrity)
	}
	return out, nil
}

// List returns every consent with its state at now, newest first.
func (h *ConsentHistory) List(ctx context.Context, now time.Time) ([]ConsentStatus, error) {
	evs, err := h.Events(ctx)
	if err != nil {
		return nil, err
	}
	byID := map[string]*ConsentStatus{}
	var order []string
	for _, e := range evs {
		switch e.Kind {
		case EventGiven:
			if e.Consent != nil {
				byID[e.ConsentID] = &ConsentStatus{Consent: *e.Consent}
				order = append(order, e.ConsentID)
			}
		case EventUsed:
			if s := byID[e.ConsentID]; s != nil && e.Use != nil {
				s.Uses = append(s.Uses, *e.Use)
			}
		case EventRevoked:
			if s := byID[e.ConsentID]; s != nil && s.RevokedAt.IsZero() {
				s.RevokedAt = e.At
			}
		}
	}
	out := make([]ConsentStatus, 0, len(order))
	for i := len(order) - 1; i >= 0; i-- {
		s := byID[order[i]]
		switch {
		case !s.RevokedAt.IsZero():
			s.State = ConsentRevoked
		case s.Consent.SingleUse && len(s.Uses) > 0:
			s.State = ConsentUsed
		case !now.Before(s.Consent.Expires):
			s.State = ConsentExpired
		default:
			s.State = ConsentActive
		}
		out = append(out, *s)
	}
	return out, nil
}

func (h *ConsentHistory) find(ctx context.Context, id string) (ConsentStatus, error) {
	all, err := h.List(ctx, time.Now())
	if err != nil {
		return ConsentStatus{}, err
	}
	for _, s := range all {
		if s.Consent.ID == id {
			return s, nil
		}
	}
	return ConsentStatus{}, fmt.Errorf("%w: no consent %s", ErrNotFound, id)
}

// ConsentExport is the history as a document a citizen can hand over:
// every event with its MAC, so the chain can be checked with the
// profile's history key.
type ConsentExport struct {
	Format string         `json:"format"`
	Events []ConsentEvent `json:"events"`
}

// Export returns the checked history as JSON.
func (h *ConsentHistory) Export(ctx context.Context) ([]byte, error) {
	evs, err := h.Events(ctx)
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(ConsentExport{Format: "citizenwallet.consents/v1", Events: evs}, "", "  ")
}
