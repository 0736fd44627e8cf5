package viewmodel

import (
	"context"
	"errors"
	"fmt"
	"image"
	"slices"
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
	// stale holds the ids of the records whose electronic copy has
	// expired on this phone (needsSync), with their names.
	stale map[string]string
}

// newDraft is a draft of p, knowing which of recs need a sync at now.
func newDraft(p wallet.Proposal, recs []wallet.Record, now time.Time) *Draft {
	d := &Draft{Proposal: p, stale: map[string]string{}}
	for _, r := range recs {
		if needsSync(r, now) {
			name := r.Type
			if t, ok := wallet.LookupType(r.Type); ok {
				name = Localized(t.Label)
			}
			d.stale[r.ID] = name
		}
	}
	return d
}

// NeedsSync names the records of the fields selected whose electronic
// copy has expired on this phone: a counter would refuse a token with
// them, so Share does not make one until they are synced or unticked.
func (d *Draft) NeedsSync() []string {
	var out []string
	for _, ref := range d.Proposal.Selected() {
		if name, ok := d.stale[ref.RecordID]; ok && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
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
	// NeedsSync: the record the field comes from must be synced before
	// it can be shown to an office (Draft.NeedsSync).
	NeedsSync bool
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
	return newDraft(wallet.Propose(p, recs), recs, w.now()), nil
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
	return newDraft(wallet.ProposeByHand(recs), recs, w.now()), nil
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

// Items lists the draft's fields. An optional member of an address the
// citizen's record lacks while it has the address (the district of an
// address written since 1 July 2025) is left out: nothing is missing.
func (d *Draft) Items() []DraftItem {
	var out []DraftItem
	for _, it := range d.Proposal.Items {
		f := it.Field()
		typ := it.Type
		if t, ok := wallet.LookupType(it.Type); ok {
			typ = Localized(t.Label)
			if !it.Available() && !it.Required && d.hasObjectOf(t, it.Claim) {
				continue
			}
		}
		out = append(out, DraftItem{Type: it.Type, Claim: it.Claim, Label: Localized(f.Label) + " — " + typ, Field: Localized(f.Label), Record: typ, Why: Localized(it.Why),
			Required: it.Required, Sensitive: f.Sensitive, Available: it.Available(), Selected: it.Selected, NeedsSync: d.stale[it.Source.RecordID] != ""})
	}
	return out
}

// hasObjectOf reports whether the draft can supply another member of
// the address (wallet.Object) of t that holds claim.
func (d *Draft) hasObjectOf(t *wallet.RecordType, claim string) bool {
	o, ok := t.ObjectOf(claim)
	if !ok {
		return false
	}
	for _, it := range d.Proposal.Items {
		if it.Type == t.Code && it.Claim != claim && slices.Contains(o.Fields, it.Claim) && it.Available() {
			return true
		}
	}
	return false
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
	if stale := d.NeedsSync(); len(stale) > 0 {
		// Said before a QR is made: an office would refuse it.
		return nil, errors.New(lang.L("{{.Records}}: needs a sync before you show it to an office, which would refuse it now. Press Sync where there is signal, or untick its fields.",
			map[string]any{"Records": strings.Join(stale, ", ")}))
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
		Lifetime: lifetime, Method: "app: reviewed the list of fields and tapped Share", Now: w.now()})
	if errors.Is(err, share.ErrUnsigned) {
		return nil, errors.New(lang.L("A chosen record has no agency signature (it was imported from a file). Sync it from the warehouse first."))
	}
	if err != nil {
		return nil, errors.New(ErrorText(err))
	}
	return &SharedQR{ConsentID: sh.Consent.ID, Parts: sh.Parts, Expires: sh.Consent.Expires}, nil
}
