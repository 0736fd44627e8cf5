package viewmodel

import (
	"context"
	"errors"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/vnwallet/citizenwallet/assets"
	"github.com/vnwallet/citizenwallet/crypto/qrtext"
	"github.com/vnwallet/citizenwallet/crypto/trust"
	"github.com/vnwallet/citizenwallet/sync/client"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/share"
)

// ConsentRow is one consent as the history screen shows it.
type ConsentRow struct {
	ID        string
	Title     string // the procedure, or the purpose
	Recipient string
	State     string
	Active    bool // can be revoked
	Given     string
	Expires   string
	Fields    []string // "Họ và tên — Thẻ bảo hiểm y tế (nhạy cảm)"
	Uses      []string // "23/11/2026 09:14 — vn.dongnai.bvdk-dongnai, quầy 2"
}

// Consents lists every consent, newest first, with its state and uses.
func (w *Wallet) Consents() ([]ConsentRow, error) {
	s, err := w.open()
	if err != nil {
		return nil, errors.New(ErrorText(err))
	}
	h, err := wallet.OpenConsentHistory(context.Background(), s)
	if err != nil {
		return nil, errors.New(ErrorText(err))
	}
	all, err := h.List(context.Background(), time.Now())
	if err != nil {
		return nil, errors.New(ErrorText(err))
	}
	_ = share.Forget(context.Background(), s, h, time.Now()) // tokens no longer usable leave the phone
	cat, _ := assets.Procedures()
	list := w.trustList()
	var out []ConsentRow
	for _, c := range all {
		row := ConsentRow{ID: c.Consent.ID, Title: Localized(c.Consent.Purpose.Text), Recipient: officeName(list, c.Consent.Recipient),
			State: consentStateText(c.State), Active: c.State == wallet.ConsentActive,
			Given: c.Consent.GivenAt.Local().Format("02/01/2006 15:04"), Expires: c.Consent.Expires.Local().Format("02/01/2006 15:04")}
		if cat != nil {
			if p, ok := cat.Lookup(c.Consent.Procedure); ok {
				row.Title = Localized(p.Name)
			}
		}
		for _, f := range c.Consent.Fields {
			label := f.Claim
			if t, ok := wallet.LookupType(f.Type); ok {
				if fd, ok := t.Field(f.Claim); ok {
					label = Localized(fd.Label) + " — " + Localized(t.Label)
				}
			}
			if f.Sensitive {
				label += " (" + lang.L("sensitive") + ")"
			}
			row.Fields = append(row.Fields, label)
		}
		for _, u := range c.Uses {
			where := officeName(list, u.Counter)
			if u.Counter.CounterID != "" {
				where += ", " + lang.L("counter") + " " + u.Counter.CounterID
			}
			row.Uses = append(row.Uses, u.At.Local().Format("02/01/2006 15:04")+" — "+where)
		}
		out = append(out, row)
	}
	return out, nil
}

// officeName names a recipient or a counter's office: from the trust
// list, else the name it gave, else a plain phrase (never a raw id).
func officeName(list *trust.List, r wallet.Recipient) string {
	if list != nil {
		if n, ok := list.Name(r.Agency); ok {
			return localName(n)
		}
	}
	if r.Name != "" {
		return r.Name
	}
	return lang.L("an office not in the province's directory")
}

func consentStateText(s wallet.ConsentState) string {
	switch s {
	case wallet.ConsentActive:
		return lang.L("active")
	case wallet.ConsentUsed:
		return lang.L("used")
	case wallet.ConsentExpired:
		return lang.L("expired")
	case wallet.ConsentRevoked:
		return lang.L("revoked")
	}
	return string(s)
}

// Revoke withdraws a consent on this phone and deletes its kept token;
// SendRevocations tells the warehouse.
func (w *Wallet) Revoke(id string) error {
	s, err := w.open()
	if err != nil {
		return errors.New(ErrorText(err))
	}
	ctx := context.Background()
	h, err := wallet.OpenConsentHistory(ctx, s)
	if err != nil {
		return errors.New(ErrorText(err))
	}
	if err := h.Revoke(ctx, id, time.Now()); err != nil {
		return errors.New(ErrorText(err))
	}
	_ = share.Forget(ctx, s, h, time.Now())
	return nil
}

// SendRevocations sends the revocations the warehouse has not had yet
// (it may wait on the network: call it off the UI goroutine) and says
// what happened: sent, or to be sent when there is signal, with how many
// wait.
func (w *Wallet) SendRevocations() string {
	s, err := w.open()
	if err != nil {
		return ErrorText(err)
	}
	ctx := context.Background()
	h, err := wallet.OpenConsentHistory(ctx, s)
	if err != nil {
		return ErrorText(err)
	}
	c, err := w.client()
	if err == nil {
		_, err = c.SyncConsents(ctx, s, h, time.Now())
	}
	pending, perr := client.PendingRevocations(ctx, s, h, time.Now())
	switch {
	case perr != nil:
		return ErrorText(perr)
	case pending == 0:
		return lang.L("Revoked and sent to the provincial data warehouse: counters will refuse this consent.")
	case err != nil && errors.Is(err, client.ErrOffline):
		return lang.L("Revoked on this phone. It will be sent to the warehouse when you have signal ({{.N}} waiting).", map[string]any{"N": pending})
	}
	return lang.L("Revoked on this phone, but the warehouse did not take it yet ({{.N}} waiting). It is sent again at every sync.", map[string]any{"N": pending})
}

// PendingRevocations says how many revocations wait to be sent ("" when
// none).
func (w *Wallet) PendingRevocations() string {
	s, err := w.open()
	if err != nil {
		return ""
	}
	h, err := wallet.OpenConsentHistory(context.Background(), s)
	if err != nil {
		return ""
	}
	n, err := client.PendingRevocations(context.Background(), s, h, time.Now())
	if err != nil || n == 0 {
		return ""
	}
	return lang.L("{{.N}} revocations wait to be sent to the warehouse.", map[string]any{"N": n})
}

// ShowAgain returns the QR of an active consent as it was given: the
// same consent, nothing new recorded.
func (w *Wallet) ShowAgain(id string) (*SharedQR, error) {
	s, err := w.open()
	if err != nil {
		return nil, errors.New(ErrorText(err))
	}
	ctx := context.Background()
	h, err := wallet.OpenConsentHistory(ctx, s)
	if err != nil {
		return nil, errors.New(ErrorText(err))
	}
	sh, err := share.Again(ctx, s, h, id, time.Now(), qrtext.Options{})
	switch {
	case errors.Is(err, share.ErrNotKept):
		return nil, errors.New(lang.L("This code was made by an older version of the app and was not kept. Share again if the office still needs it."))
	case errors.Is(err, share.ErrNotActive):
		return nil, errors.New(lang.L("This consent can no longer be used (used, revoked or expired). Share again if the office still needs it."))
	case err != nil:
		return nil, errors.New(ErrorText(err))
	}
	return &SharedQR{ConsentID: sh.Consent.ID, Parts: sh.Parts, Expires: sh.Consent.Expires}, nil
}
