package badgerstore_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/vnwallet/citizenwallet/wallet/badgerstore"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

// Profiles under one root: created ones in creation order with the given
// name as label and their relation; a folder the index misses (a crash
// between the two writes, or the app's old "default" folder) still
// listed; an index entry whose folder is gone, or whose id could leave
// the root, dropped; a damaged index costs labels, never profiles; each
// profile opens with its own PIN only.
func TestProfiles(t *testing.T) {
	root := filepath.Join(t.TempDir(), "profiles")
	if list, err := badgerstore.Profiles(root); err != nil || len(list) != 0 {
		t.Fatalf("no root yet: %v %v", list, err)
	}
	owner, child := sample.Profile(0), sample.Profile(1)
	owner.FullName, child.FullName = "Nguyễn Thị Lan", "Trần Văn An"
	s1, e1, err := badgerstore.CreateProfile(root, []byte("246810"), owner, "", testOptions)
	if err != nil {
		t.Fatal(err)
	}
	s1.Close()
	s2, e2, err := badgerstore.CreateProfile(root, []byte("112233"), child, badgerstore.RelationChild, testOptions)
	if err != nil {
		t.Fatal(err)
	}
	s2.Close()
	if e1.Label != "Lan" || e1.Relation != badgerstore.RelationSelf || e2.Label != "An" || e2.Relation != badgerstore.RelationChild || e1.ID == e2.ID {
		t.Fatalf("entries: %+v %+v", e1, e2)
	}
	if _, err := badgerstore.Open(filepath.Join(root, e2.ID), []byte("246810"), testOptions); err == nil {
		t.Error("the owner's PIN opened the child's profile")
	}

	// The app's first versions kept one profile in "default", unindexed.
	legacy, err := badgerstore.Create(filepath.Join(root, "default"), []byte("135790"), sample.Profile(2), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	legacy.Close()
	// A profile folder removed by hand, and a hostile index entry.
	if err := os.RemoveAll(filepath.Join(root, e1.ID)); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(root, "profiles.json"))
	hostile := append(b[:len(b)-1], []byte(`,{"id":"../../etc","label":"x"}]`)...)
	if err := os.WriteFile(filepath.Join(root, "profiles.json"), hostile, 0o600); err != nil {
		t.Fatal(err)
	}

	list, err := badgerstore.Profiles(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0] != e2 || list[1].ID != "default" || list[1].Label != "" {
		t.Errorf("profiles: %+v", list)
	}

	// A damaged index loses the labels, never the profiles.
	os.WriteFile(filepath.Join(root, "profiles.json"), []byte("{"), 0o600)
	if list, err := badgerstore.Profiles(root); err != nil || len(list) != 2 || list[0].ID != "default" || list[1].ID != e2.ID {
		t.Errorf("damaged index: %+v %v", list, err)
	}
}
