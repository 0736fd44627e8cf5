package badgerstore

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/vnwallet/citizenwallet/wallet"
)

// Several profiles on one device: the owner's and those of family members
// they look after (children, elderly parents). Each is a store of its own
// (own PIN, own keys) in its own folder under a root, and the root keeps
// profiles.json so a profile can be chosen before unlocking: per profile
// its folder, a short label (the given name) and the relation. That label
// and relation are the only plaintext about a profile on the device
// (docs/threat-model.md).

// Relation is who a profile belongs to, seen from the device's owner.
type Relation string

// Relations.
const (
	RelationSelf   Relation = "self"
	RelationChild  Relation = "child"
	RelationParent Relation = "parent"
	RelationSpouse Relation = "spouse"
	RelationOther  Relation = "other"
)

// ProfileEntry is one profile under a root, as listed before unlocking.
type ProfileEntry struct {
	ID       string    `json:"id"` // folder name under the root
	Label    string    `json:"label"`
	Relation Relation  `json:"relation"`
	Created  time.Time `json:"created"`
}

const (
	profileIndex     = "profiles.json"
	profileIndexTemp = "profiles.json.new"
)

// Profiles lists the profiles under root: those in the index, in its
// order, then any folder holding a profile header the index misses (a
// profile created just before a crash, or a damaged index), by name. An
// index entry whose folder has no header any more is left out.
func Profiles(root string) ([]ProfileEntry, error) {
	var list []ProfileEntry
	b, err := os.ReadFile(filepath.Join(root, profileIndex))
	switch {
	case err == nil:
		// A damaged index loses only labels: the profiles are still
		// listed from their folders below, never hidden behind an error
		// (which would have the app offer to create a profile anew).
		if json.Unmarshal(b, &list) != nil {
			list = nil
		}
	case !errors.Is(err, os.ErrNotExist):
		return nil, err
	}
	has := func(id string) bool {
		return validProfileID(id) && fileExists(filepath.Join(root, id, headerFile))
	}
	list = slices.DeleteFunc(list, func(p ProfileEntry) bool { return !has(p.ID) })
	dirs, err := os.ReadDir(root)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	for _, d := range dirs {
		if d.IsDir() && has(d.Name()) && !slices.ContainsFunc(list, func(p ProfileEntry) bool { return p.ID == d.Name() }) {
			list = append(list, ProfileEntry{ID: d.Name()})
		}
	}
	return list, nil
}

// CreateProfile creates a profile in a new folder under root (Create)
// and adds it to the index, labelled with the given name (the last word
// of a Vietnamese full name). Should the index not be written, the
// profile is still listed, from its folder, only without its label.
func CreateProfile(root string, pin []byte, p wallet.Profile, rel Relation, opts Options) (*Store, ProfileEntry, error) {
	list, err := Profiles(root)
	if err != nil {
		return nil, ProfileEntry{}, err
	}
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, ProfileEntry{}, err
	}
	if rel == "" {
		rel = RelationSelf
	}
	e := ProfileEntry{ID: newProfileID(), Label: givenName(p.FullName), Relation: rel, Created: p.CreatedAt}
	s, err := Create(filepath.Join(root, e.ID), pin, p, opts)
	if err != nil {
		return nil, ProfileEntry{}, err
	}
	if b, err := json.MarshalIndent(append(list, e), "", "  "); err == nil {
		_ = writeFileAtomic(root, profileIndexTemp, profileIndex, b) // see above
	}
	return s, e, nil
}

func newProfileID() string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand does not fail on supported platforms
	return "p-" + hex.EncodeToString(b[:])
}

// validProfileID accepts the folder names CreateProfile makes ("p-…") and
// "default" of the app's first versions: nothing that could leave the
// root.
func validProfileID(id string) bool {
	if id == "" || len(id) > 40 {
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
