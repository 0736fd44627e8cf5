package viewmodel

import (
	"errors"
	"fmt"
	"slices"

	"fyne.io/fyne/v2/lang"

	"github.com/vnwallet/citizenwallet/wallet/badgerstore"
)

// The profiles on this phone (the owner's, a child's, a parent's) are
// badgerstore profiles under the wallet's root: see
// badgerstore.Profiles. This file names them for the screens.

// Relation is who a profile belongs to, seen from the phone's owner.
type Relation = badgerstore.Relation

// Relations, as the create screen offers them.
const (
	RelationSelf   = badgerstore.RelationSelf
	RelationChild  = badgerstore.RelationChild
	RelationParent = badgerstore.RelationParent
	RelationSpouse = badgerstore.RelationSpouse
	RelationOther  = badgerstore.RelationOther
)

// FamilyRelations are the relations of an added profile.
var FamilyRelations = []Relation{RelationChild, RelationParent, RelationSpouse, RelationOther}

// RelationText is the relation as the screens show it.
func RelationText(r Relation) string {
	switch r {
	case RelationSelf:
		return lang.L("me")
	case RelationChild:
		return lang.L("child")
	case RelationParent:
		return lang.L("parent")
	case RelationSpouse:
		return lang.L("spouse")
	}
	return lang.L("other family member")
}

// RelationFromText is the inverse of RelationText (for select widgets).
func RelationFromText(s string) Relation {
	for _, r := range append([]Relation{RelationSelf}, FamilyRelations...) {
		if RelationText(r) == s {
			return r
		}
	}
	return RelationOther
}

// ProfileEntry is one profile on this phone, as listed before unlocking.
type ProfileEntry struct{ badgerstore.ProfileEntry }

// Title is how lists show the profile: "Lan" or "An (con)".
func (p ProfileEntry) Title() string {
	label := p.Label
	if label == "" {
		label = lang.L("Profile")
	}
	if p.Relation == "" || p.Relation == RelationSelf {
		return label
	}
	return fmt.Sprintf("%s (%s)", label, RelationText(p.Relation))
}

// Profiles lists the profiles on this phone.
func (w *Wallet) Profiles() ([]ProfileEntry, error) {
	list, err := badgerstore.Profiles(w.root)
	out := make([]ProfileEntry, len(list))
	for i, p := range list {
		out[i] = ProfileEntry{p}
	}
	return out, err
}

// Current returns the profile the wallet works on ("" before the first
// one exists).
func (w *Wallet) Current() ProfileEntry {
	w.mu.Lock()
	id := w.current
	w.mu.Unlock()
	list, _ := w.Profiles()
	for _, p := range list {
		if p.ID == id {
			return p
		}
	}
	return ProfileEntry{badgerstore.ProfileEntry{ID: id}}
}

// Select locks the open profile and makes id the one to unlock next.
func (w *Wallet) Select(id string) error {
	list, err := w.Profiles()
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(list, func(p ProfileEntry) bool { return p.ID == id }) {
		return errors.New(lang.L("This profile is not on this phone."))
	}
	if err := w.Lock(); err != nil {
		return err
	}
	w.mu.Lock()
	w.current = id
	w.mu.Unlock()
	return nil
}

// Root is the folder holding the profiles.
func (w *Wallet) Root() string { return w.root }
