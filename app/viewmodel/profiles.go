package viewmodel

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2/lang"
)

// A phone can hold several profiles: the citizen's own and those of
// family members they look after (children, elderly parents). Each is a
// separate encrypted store with its own PIN and device key, in its own
// folder under the wallet's root. To choose one before unlocking, the
// root keeps profiles.json: per profile a short label (the given name)
// and the relation. That label and relation are the only plaintext about
// a profile on the phone (docs/threat-model.md).

// Relation is who a profile belongs to, seen from the phone's owner.
type Relation string

// Relations, in the order the create screen offers them.
const (
	RelationSelf   Relation = "self"
	RelationChild  Relation = "child"
	RelationParent Relation = "parent"
	RelationSpouse Relation = "spouse"
	RelationOther  Relation = "other"
)

// FamilyRelations are the relations of an added profile.
var FamilyRelations = []Relation{RelationChild, RelationParent, RelationSpouse, RelationOther}

// Text is the relation as the screens show it.
func (r Relation) Text() string {
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

// RelationFromText is the inverse of Text (for select widgets).
func RelationFromText(s string) Relation {
	for _, r := range append([]Relation{RelationSelf}, FamilyRelations...) {
		if r.Text() == s {
			return r
		}
	}
	return RelationOther
}

// ProfileEntry is one profile on this phone, as listed before unlocking.
type ProfileEntry struct {
	ID       string    `json:"id"` // folder name under the root
	Label    string    `json:"label"`
	Relation Relation  `json:"relation"`
	Created  time.Time `json:"created"`
}

// Title is how lists show the profile: "Lan" or "An (con)".
func (p ProfileEntry) Title() string {
	label := p.Label
	if label == "" {
		label = lang.L("Profile")
	}
	if p.Relation == "" || p.Relation == RelationSelf {
		return label
	}
	return fmt.Sprintf("%s (%s)", label, p.Relation.Text())
}

const profileIndex = "profiles.json"

// readProfiles lists the profiles under root: those in the index, in its
// order, then any folder holding a profile header the index misses (a
// profile created just before a crash), by name.
func readProfiles(root string) ([]ProfileEntry, error) {
	var list []ProfileEntry
	b, err := os.ReadFile(filepath.Join(root, profileIndex))
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &list); err != nil {
			return nil, fmt.Errorf("%s: %w", profileIndex, err)
		}
	case !errors.Is(err, os.ErrNotExist):
		return nil, err
	}
	// Keep only indexed profiles whose folder still has a header.
	kept := list[:0]
	for _, p := range list {
		if validProfileID(p.ID) && fileExists(filepath.Join(root, p.ID, "header")) {
			kept = append(kept, p)
		}
	}
	list = kept
	dirs, err := os.ReadDir(root)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	for _, d := range dirs {
		if !d.IsDir() || !validProfileID(d.Name()) || !fileExists(filepath.Join(root, d.Name(), "header")) {
			continue
		}
		if !slices.ContainsFunc(list, func(p ProfileEntry) bool { return p.ID == d.Name() }) {
			list = append(list, ProfileEntry{ID: d.Name()})
		}
	}
	return list, nil
}

// writeProfiles replaces the index atomically.
func writeProfiles(root string, list []ProfileEntry) error {
	b, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(root, profileIndex+".tmp")
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(root, profileIndex))
}

func newProfileID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "p-" + hex.EncodeToString(b[:])
}

// validProfileID accepts folder names the wallet makes ("p-…", and
// "default" of the first versions): nothing that could leave the root.
func validProfileID(id string) bool {
	if id == "" || len(id) > 40 || strings.HasPrefix(id, ".") {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// givenName is the last word of a Vietnamese full name ("Nguyễn Thị
// Lan" → "Lan"): what a family calls the person.
func givenName(full string) string {
	f := strings.Fields(full)
	if len(f) == 0 {
		return ""
	}
	return f[len(f)-1]
}

// Profiles lists the profiles on this phone.
func (w *Wallet) Profiles() ([]ProfileEntry, error) {
	return readProfiles(w.root)
}

// Current returns the profile the wallet works on ("" before the first
// one exists).
func (w *Wallet) Current() ProfileEntry {
	w.mu.Lock()
	id := w.current
	w.mu.Unlock()
	list, _ := readProfiles(w.root)
	for _, p := range list {
		if p.ID == id {
			return p
		}
	}
	return ProfileEntry{ID: id}
}

// Select locks the open profile and makes id the one to unlock next.
func (w *Wallet) Select(id string) error {
	list, err := readProfiles(w.root)
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
