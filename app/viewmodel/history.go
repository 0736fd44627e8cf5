package viewmodel

import (
	"context"
	"errors"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/vnwallet/citizenwallet/assets"
	"github.com/vnwallet/citizenwallet/wallet"
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
	cat, _ := assets.Procedures()
	var out []ConsentRow
	for _, c := range all {
		row := ConsentRow{ID: c.Consent.ID, Title: Localized(c.Consent.Purpose.Text), Recipient: c.Consent.Recipient.Agency,
			State: consentStateText(c.State), Active: c.State == wallet.ConsentActive,
			Given: c.Consent.GivenAt.Local().Format("02/01/2006 15:04"), Expires: c.Consent.Expires.Local().Format("02/01/2006 15:04")}
		if cat != nil {
			if p, ok := cat.Lookup(c.Consent.Procedure); ok {
				row.Title = Localized(p.Name)
			}
		}
		if c.Consent.Recipient.Name != "" {
			row.Recipient += " (" + c.Consent.Recipient.Name + ")"
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
			where := u.Counter.Agency
			if u.Counter.CounterID != "" {
				where += ", " + u.Counter.CounterID
			}
			row.Uses = append(row.Uses, u.At.Local().Format("02/01/2006 15:04")+" — "+where)
		}
		out = append(out, row)
	}
	return out, nil
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

// Revoke withdraws a consent; the warehouse learns it at the next sync.
func (w *Wallet) Revoke(id string) error {
	s, err := w.open()
	if err != nil {
		return errors.New(ErrorText(err))
	}
	h, err := wallet.OpenConsentHistory(context.Background(), s)
	if err != nil {
		return errors.New(ErrorText(err))
	}
	if err := h.Revoke(context.Background(), id, time.Now()); err != nil {
		return errors.New(ErrorText(err))
	}
	return nil
}
