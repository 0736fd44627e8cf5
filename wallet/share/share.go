// Package share turns a citizen's choice (a procedure's proposal, edited)
// into what leaves the phone: a consent token of exactly the selected
// claims, from the agency-signed records, bound to the device key, as QR
// texts; and records the consent in the profile's history first, so
// nothing is ever shared that the history does not show.
package share

import (
	"context"
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
	sel := req.Proposal.Selected()
	if len(sel) == 0 {
		return nil, fmt.Errorf("share: %w: no field selected", wallet.ErrInvalid)
	}
	if req.Method == "" {
		return nil, fmt.Errorf("share: %w: the citizen's confirmation is required", wallet.ErrInvalid)
	}
	life := req.Lifetime
	if life == 0 {
		life = wallet.DefaultConsentLifetime
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
	c := wallet.Consent{
		ID: jti, GivenAt: now, Method: req.Method, Procedure: p.Code, Purpose: p.Purpose,
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
	if err := h.Give(ctx, c); err != nil {
		return nil, fmt.Errorf("share: record the consent: %w", err)
	}
	return &Shared{Consent: c, Token: tok, Parts: parts}, nil
}
