// Package share turns a citizen's choice (a procedure's proposal, edited)
// into what leaves the phone: a consent token of exactly the selected
// claims, from the agency-signed records, bound to the device key, as QR
// texts; and records the consent in the profile's history first, so
// nothing is ever shared that the history does not show.
package share

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/consent"
	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/qrtext"
	"github.com/vnwallet/citizenwallet/crypto/sdjwt"
	"github.com/vnwallet/citizenwallet/wallet"
)

// Request is a confirmed share.
type Request struct {
	Proposal  wallet.Proposal
	Recipient wallet.Recipient
	Lifetime  time.Duration // zero: wallet.DefaultConsentLifetime
	SingleUse bool
	Nonce     string // shown by the counter, if any
	// Method says how the citizen confirmed (kept in the history).
	Method string
	Now    time.Time
	QR     qrtext.Options
}

// Shared is the result: the consent as recorded, the token and its QR
// texts.
type Shared struct {
	Consent wallet.Consent
	Token   string
	Parts   []string
}

// ErrUnsigned: a selected record has no agency signature (imported from a
// file), so it cannot be shared verifiably.
var ErrUnsigned = errors.New("a selected record has no agency signature; sync it from the warehouse first")

// Share builds the token for req, records the consent in h, and encodes
// the token for QR. Nothing is recorded when the token cannot be built.
func Share(ctx context.Context, st wallet.Store, h *wallet.ConsentHistory, device *keys.PrivateKey, req Request) (*Shared, error) {
	sel, life, err := req.check()
	if err != nil {
		return nil, err
	}
	byRecord := map[string][]string{}
	var ids []string
	for _, f := range sel {
		if _, ok := byRecord[f.RecordID]; !ok {
			ids = append(ids, f.RecordID)
		}
		byRecord[f.RecordID] = append(byRecord[f.RecordID], f.Claim)
	}
	sort.Strings(ids)
	var selections []sdjwt.Selection
	for _, id := range ids {
		r, err := st.Record(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("share: record %s: %w", id, err)
		}
		if r.Status != wallet.StatusActive {
			return nil, fmt.Errorf("share: %w: record %s is %s", wallet.ErrInvalid, id, r.Status)
		}
		if r.Credential == "" {
			return nil, fmt.Errorf("share: record %s: %w", id, ErrUnsigned)
		}
		selections = append(selections, sdjwt.Selection{Credential: r.Credential, Disclose: byRecord[id]})
	}
	now := req.Now.UTC().Truncate(time.Second)
	p := req.Proposal.Procedure
	tok, jti, err := consent.Build(consent.Request{
		Holder: device, Audience: req.Recipient.Agency, Nonce: req.Nonce,
		Purpose: p.Purpose.Code, Procedure: p.Code,
		IssuedAt: now, Expires: now.Add(life), SingleUse: req.SingleUse, Selections: selections,
	})
	if err != nil {
		return nil, fmt.Errorf("share: %w", err)
	}
	parts, err := qrtext.Encode(tok, req.QR)
	if err != nil {
		return nil, fmt.Errorf("share: %w", err)
	}
	c := consentOf(req, jti, now, life, sel)
	c.Holder, c.Proof = device.KID(), consent.ProofOf(tok)
	if err := keep(ctx, st, jti, tok); err != nil {
		return nil, err
	}
	if err := h.Give(ctx, c); err != nil {
		return nil, fmt.Errorf("share: record the consent: %w", err)
	}
	return &Shared{Consent: c, Token: tok, Parts: parts}, nil
}

// TokenMeta is the store's meta key of the token of consent id, kept
// (sealed, like every value of the store) while the consent is active so
// the citizen can show the same QR again; the history itself holds no
// values.
func TokenMeta(id string) string { return "consent-token/" + id }

// ErrNotKept: the consent's token is not on this phone (given before
// tokens were kept, or no longer active), so it cannot be shown again.
var ErrNotKept = errors.New("the token of this consent is not kept on this phone")

// ErrNotActive: the consent was used, revoked or has expired.
var ErrNotActive = errors.New("the consent is no longer active")

func keep(ctx context.Context, st wallet.Store, id, token string) error {
	if err := st.Apply(ctx, wallet.Batch{Meta: map[string][]byte{TokenMeta(id): []byte(token)}}); err != nil {
		return fmt.Errorf("share: keep the token: %w", err)
	}
	return nil
}

// Again returns the QR texts of an active consent's token as it was
// given: the same consent id, nothing new recorded in the history. A
// consent used, revoked or expired is ErrNotActive (and its token is
// forgotten); one whose token was not kept is ErrNotKept.
func Again(ctx context.Context, st wallet.Store, h *wallet.ConsentHistory, id string, now time.Time, opts qrtext.Options) (*Shared, error) {
	all, err := h.List(ctx, now)
	if err != nil {
		return nil, fmt.Errorf("share: again: %w", err)
	}
	for _, c := range all {
		if c.Consent.ID != id {
			continue
		}
		if c.State != wallet.ConsentActive {
			_ = Forget(ctx, st, h, now)
			return nil, fmt.Errorf("share: again: %w (%s)", ErrNotActive, c.State)
		}
		tok, err := st.Meta(ctx, TokenMeta(id))
		if errors.Is(err, wallet.ErrNotFound) || (err == nil && len(tok) == 0) {
			return nil, fmt.Errorf("share: again: %w", ErrNotKept)
		}
		if err != nil {
			return nil, fmt.Errorf("share: again: %w", err)
		}
		parts, err := qrtext.Encode(string(tok), opts)
		if err != nil {
			return nil, fmt.Errorf("share: again: %w", err)
		}
		return &Shared{Consent: c.Consent, Token: string(tok), Parts: parts}, nil
	}
	return nil, fmt.Errorf("share: again: consent %s: %w", id, wallet.ErrNotFound)
}

// Forget deletes the kept tokens of every consent no longer active, so a
// token's values stay on the phone no longer than the consent lets them
// be used.
func Forget(ctx context.Context, st wallet.Store, h *wallet.ConsentHistory, now time.Time) error {
	all, err := h.List(ctx, now)
	if err != nil {
		return fmt.Errorf("share: forget tokens: %w", err)
	}
	del := map[string][]byte{}
	for _, c := range all {
		if c.State == wallet.ConsentActive {
			continue
		}
		if tok, err := st.Meta(ctx, TokenMeta(c.Consent.ID)); err == nil && len(tok) > 0 {
			del[TokenMeta(c.Consent.ID)] = nil
		}
	}
	if len(del) == 0 {
		return nil
	}
	if err := st.Apply(ctx, wallet.Batch{Meta: del}); err != nil {
		return fmt.Errorf("share: forget tokens: %w", err)
	}
	return nil
}

// ShareOnline is Share for a counter with a network: instead of the data,
// the QR carries a small device-signed reference (crypto/consent
// Reference) that the counter redeems at the warehouse, which logs the
// use. The consent is recorded the same way.
func ShareOnline(ctx context.Context, st wallet.Store, h *wallet.ConsentHistory, device *keys.PrivateKey, req Request) (*Shared, error) {
	sel, life, err := req.check()
	if err != nil {
		return nil, err
	}
	var scope []consent.ScopeItem
	for _, f := range sel {
		r, err := st.Record(ctx, f.RecordID)
		if err != nil {
			return nil, fmt.Errorf("share: record %s: %w", f.RecordID, err)
		}
		if r.Status != wallet.StatusActive {
			return nil, fmt.Errorf("share: %w: record %s is %s", wallet.ErrInvalid, f.RecordID, r.Status)
		}
		if n := len(scope); n > 0 && scope[n-1].RecordID == f.RecordID {
			scope[n-1].Claims = append(scope[n-1].Claims, f.Claim)
		} else {
			scope = append(scope, consent.ScopeItem{RecordID: f.RecordID, Claims: []string{f.Claim}})
		}
	}
	now := req.Now.UTC().Truncate(time.Second)
	p := req.Proposal.Procedure
	tok, ref, err := consent.BuildReference(device, consent.Reference{Audience: req.Recipient.Agency, IssuedAt: now.Unix(), Expires: now.Add(life).Unix(),
		Purpose: p.Purpose.Code, Procedure: p.Code, SingleUse: req.SingleUse, Nonce: req.Nonce, Scope: scope})
	if err != nil {
		return nil, fmt.Errorf("share: %w", err)
	}
	parts, err := qrtext.Encode(tok, req.QR)
	if err != nil {
		return nil, fmt.Errorf("share: %w", err)
	}
	c := consentOf(req, ref.ID, now, life, sel)
	c.Method += " (online token)"
	c.Holder, c.Proof = device.KID(), tok
	if err := keep(ctx, st, ref.ID, tok); err != nil {
		return nil, err
	}
	if err := h.Give(ctx, c); err != nil {
		return nil, fmt.Errorf("share: record the consent: %w", err)
	}
	return &Shared{Consent: c, Token: tok, Parts: parts}, nil
}

// check returns the selected fields and the lifetime, refusing a share
// with nothing selected or without the citizen's confirmation.
func (req Request) check() ([]wallet.FieldRef, time.Duration, error) {
	sel := req.Proposal.Selected()
	if len(sel) == 0 {
		return nil, 0, fmt.Errorf("share: %w: no field selected", wallet.ErrInvalid)
	}
	if req.Method == "" {
		return nil, 0, fmt.Errorf("share: %w: the citizen's confirmation is required", wallet.ErrInvalid)
	}
	if req.Lifetime == 0 {
		return sel, wallet.DefaultConsentLifetime, nil
	}
	return sel, req.Lifetime, nil
}

// consentOf is the history entry of a share.
func consentOf(req Request, id string, now time.Time, life time.Duration, sel []wallet.FieldRef) wallet.Consent {
	p := req.Proposal.Procedure
	c := wallet.Consent{
		ID: id, GivenAt: now, Method: req.Method, Procedure: p.Code, Purpose: p.Purpose,
		LegalBasis: p.LegalBasis, Recipient: req.Recipient, Retention: p.Retention,
		Nonce: req.Nonce, Expires: now.Add(life), SingleUse: req.SingleUse,
	}
	for _, f := range sel {
		sens := false
		if t, ok := wallet.LookupType(f.Type); ok {
			fd, _ := t.Field(f.Claim)
			sens = fd.Sensitive
		}
		c.Fields = append(c.Fields, wallet.ConsentField{FieldRef: f, Sensitive: sens})
	}
	return c
}

// ProofType is the typ of the signature over an exported consent history.
const ProofType = "consent-history+jwt"

// Proof is an exported consent history the citizen can hand over: the
// events with their HMAC chain, and a JWS by the device key (the key the
// warehouse enrolled for this citizen, and the one every token of these
// consents is bound to) over the hash of the events and the chain head.
type Proof struct {
	Format    string                `json:"format"`
	Events    []wallet.ConsentEvent `json:"events"`
	Signature string                `json:"signature"`
}

// proofClaims are what the signature covers.
type proofClaims struct {
	Events  string `json:"events_sha256"` // base64url SHA-256 of the events' JSON
	HeadSeq int64  `json:"head_seq"`
	HeadMAC string `json:"head_mac"`
	Device  string `json:"device"`
	At      int64  `json:"iat"`
}

// ExportProof exports the checked history signed with the device key.
func ExportProof(ctx context.Context, h *wallet.ConsentHistory, device *keys.PrivateKey, now time.Time) ([]byte, error) {
	evs, err := h.Events(ctx)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(evs)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	c := proofClaims{Events: base64.RawURLEncoding.EncodeToString(sum[:]), Device: device.KID(), At: now.Unix()}
	if n := len(evs); n > 0 {
		c.HeadSeq, c.HeadMAC = evs[n-1].Seq, evs[n-1].MAC
	}
	payload, _ := json.Marshal(c)
	sig, err := keys.Sign(device, ProofType, payload)
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(Proof{Format: "citizenwallet.consent-proof/v1", Events: evs, Signature: sig}, "", "  ")
}

// VerifyProof checks an exported history against the device's public key:
// the signature, and that the events are exactly those signed.
func VerifyProof(doc []byte, device *keys.PublicKey) ([]wallet.ConsentEvent, error) {
	var p Proof
	if err := json.Unmarshal(doc, &p); err != nil {
		return nil, fmt.Errorf("consent proof: %w", err)
	}
	payload, _, err := keys.Verify(p.Signature, ProofType, keys.StaticKey(device))
	if err != nil {
		return nil, fmt.Errorf("consent proof: %w", err)
	}
	var c proofClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, fmt.Errorf("consent proof: %w", err)
	}
	body, _ := json.Marshal(p.Events)
	sum := sha256.Sum256(body)
	if base64.RawURLEncoding.EncodeToString(sum[:]) != c.Events {
		return nil, errors.New("consent proof: the events are not the ones signed")
	}
	return p.Events, nil
}
