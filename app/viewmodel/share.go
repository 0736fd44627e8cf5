package viewmodel

import (
	"context"
	"errors"
	"fmt"
	"image"
	"strings"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/vnwallet/citizenwallet/assets"
	"github.com/vnwallet/citizenwallet/crypto/qrtext"
	"github.com/vnwallet/citizenwallet/sync/client"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/share"
)

// ProcedureChoice is one entry of the procedure picker.
type ProcedureChoice struct {
	Code, Name string
}

// Procedures lists the catalogue's procedures in the user's language.
func (w *Wallet) Procedures() ([]ProcedureChoice, error) {
	cat, err := assets.Procedures()
	if err != nil {
		return nil, err
	}
	var out []ProcedureChoice
	for _, p := range cat.Procedures() {
		out = append(out, ProcedureChoice{Code: p.Code, Name: Localized(p.Name)})
	}
	return out, nil
}

// Draft is a share being prepared: the procedure's proposal, which the
// citizen edits before confirming.
type Draft struct {
	Proposal wallet.Proposal
}

// DraftItem is one field of a draft as the share screen lists it.
type DraftItem struct {
	Type, Claim string
	Label       string // "Họ và tên — Thẻ bảo hiểm y tế"
	Field       string // "Họ và tên"
	Record      string // "Thẻ bảo hiểm y tế"
	Why         string
	Required    bool
	Sensitive   bool
	Available   bool
	Selected    bool
}

// Propose starts a draft for a procedure: only the available legal
// minimum is selected.
func (w *Wallet) Propose(code string) (*Draft, error) {
	s, err := w.open()
	if err != nil {
		return nil, errors.New(ErrorText(err))
	}
	cat, err := assets.Procedures()
	if err != nil {
		return nil, err
	}
	p, ok := cat.Lookup(code)
	if !ok {
		return nil, fmt.Errorf("%s: %s", lang.L("Unknown procedure"), code)
	}
	recs, err := s.Records(context.Background(), wallet.Query{})
	if err != nil {
		return nil, errors.New(ErrorText(err))
	}
	return &Draft{Proposal: wallet.Propose(p, recs)}, nil
}

// ProposeByHand starts a draft with every field of every record the
// citizen holds, none selected (wallet.ProposeByHand): for a procedure the
// catalogue lacks. The citizen states the purpose (SetPurpose) and ticks
// the fields.
func (w *Wallet) ProposeByHand() (*Draft, error) {
	s, err := w.open()
	if err != nil {
		return nil, errors.New(ErrorText(err))
	}
	recs, err := s.Records(context.Background(), wallet.Query{})
	if err != nil {
		return nil, errors.New(ErrorText(err))
	}
	return &Draft{Proposal: wallet.ProposeByHand(recs)}, nil
}

// ByHand reports whether the citizen picks the fields (no catalogue
// procedure).
func (d *Draft) ByHand() bool { return d.Proposal.Procedure.Code == wallet.OtherProcedure }

// Purpose is the share's purpose in the user's language.
func (d *Draft) Purpose() string { return Localized(d.Proposal.Procedure.Purpose.Text) }

// SetPurpose states the purpose of a share by hand, in the citizen's
// words (kept in the consent history).
func (d *Draft) SetPurpose(text string) {
	d.Proposal.Procedure.Purpose.Text = wallet.Label{VI: text, EN: text}
}

// Items lists the draft's fields.
func (d *Draft) Items() []DraftItem {
	var out []DraftItem
	for _, it := range d.Proposal.Items {
		f := it.Field()
		typ := it.Type
		if t, ok := wallet.LookupType(it.Type); ok {
			typ = Localized(t.Label)
		}
		out = append(out, DraftItem{Type: it.Type, Claim: it.Claim, Label: Localized(f.Label) + " — " + typ, Field: Localized(f.Label), Record: typ, Why: Localized(it.Why),
			Required: it.Required, Sensitive: f.Sensitive, Available: it.Available(), Selected: it.Selected})
	}
	return out
}

// Set selects or removes a field; false when the wallet cannot supply it.
func (d *Draft) Set(typ, claim string, on bool) bool { return d.Proposal.Set(typ, claim, on) }

// Lacking describes the required fields that will not be shared.
func (d *Draft) Lacking() []string {
	var out []string
	for _, it := range d.Proposal.Lacking() {
		t := it.Type
		if rt, ok := wallet.LookupType(it.Type); ok {
			t = Localized(rt.Label)
		}
		out = append(out, Localized(it.Field().Label)+" — "+t)
	}
	return out
}

// SharedQR is a confirmed share, ready to show.
type SharedQR struct {
	ConsentID string
	Parts     []string
	Expires   time.Time
}

// Image renders part i at px pixels per module.
func (q *SharedQR) Image(i, px int) (image.Image, error) {
	return qrtext.Render(q.Parts[i], 'M', px)
}

// Share confirms the draft: the consent is recorded, the token built.
// recipient is the agency id (the token's audience).
func (w *Wallet) Share(d *Draft, recipient string, lifetime time.Duration, online bool) (*SharedQR, error) {
	s, err := w.open()
	if err != nil {
		return nil, errors.New(ErrorText(err))
	}
	if recipient == "" {
		return nil, errors.New(lang.L("Choose the office that receives the data."))
	}
	if d.ByHand() && strings.TrimSpace(d.Proposal.Procedure.Purpose.Text.VI) == "" {
		return nil, errors.New(lang.L("Say what the data is for."))
	}
	if len(d.Proposal.Selected()) == 0 {
		return nil, errors.New(lang.L("Choose at least one field to share."))
	}
	ctx := context.Background()
	dev, err := client.DeviceKey(ctx, s)
	if err != nil {
		return nil, errors.New(SyncErrorText(err))
	}
	h, err := wallet.OpenConsentHistory(ctx, s)
	if err != nil {
		return nil, errors.New(ErrorText(err))
	}
	fn := share.Share
	if online {
		fn = share.ShareOnline
	}
	sh, err := fn(ctx, s, h, dev, share.Request{Proposal: d.Proposal, Recipient: wallet.Recipient{Agency: recipient},
		Lifetime: lifetime, Method: "app: reviewed the list of fields and tapped Share", Now: time.Now()})
	if errors.Is(err, share.ErrUnsigned) {
		return nil, errors.New(lang.L("A chosen record has no agency signature (it was imported from a file). Sync it from the warehouse first."))
	}
	if err != nil {
		return nil, errors.New(ErrorText(err))
	}
	return &SharedQR{ConsentID: sh.Consent.ID, Parts: sh.Parts, Expires: sh.Consent.Expires}, nil
}
