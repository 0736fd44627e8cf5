package viewmodel

import (
	"fyne.io/fyne/v2/lang"

	"github.com/vnwallet/citizenwallet/wallet"
)

// DomainLabel is a domain's name in the user's language.
func DomainLabel(d wallet.Domain) string {
	switch d {
	case wallet.DomainIdentity:
		return lang.L("Identity & residence")
	case wallet.DomainCivilStatus:
		return lang.L("Civil status")
	case wallet.DomainJustice:
		return lang.L("Justice")
	case wallet.DomainHealth:
		return lang.L("Health")
	case wallet.DomainEducation:
		return lang.L("Education")
	case wallet.DomainLabour:
		return lang.L("Labour & social insurance")
	}
	return string(d)
}

// Localized picks the label's text for the current language: English when
// the translations in use are English, Vietnamese otherwise.
func Localized(l wallet.Label) string {
	if lang.L("lang.code") == "en" {
		return l.EN
	}
	return l.VI
}
